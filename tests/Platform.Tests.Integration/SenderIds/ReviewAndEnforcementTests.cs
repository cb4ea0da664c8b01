using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.SenderIds.Contracts;
using Hangfire;

namespace Platform.Tests.Integration.SenderIds;

/// <summary>Tenant isolation, the admin's decisions, what CheckSenderId answers after each, the queue, and the purge.</summary>
public sealed class ReviewAndEnforcementTests(SenderIdsFactory factory) : IClassFixture<SenderIdsFactory>
{
    private static string Unique(string prefix) => prefix + Random.Shared.Next(10000, 99999);

    [Fact]
    public async Task An_admin_opening_a_review_is_recorded_as_a_staff_access_to_each_company_person_in_its_history()
    {
        var owner = await factory.NewCompanyAsync("Audited");
        var sender = Unique("AUD");
        var id = await SenderIdsFactory.ApplyAsync(owner, sender, "GB");
        await SenderIdsFactory.SubmitAsync(owner, id);
        var applicant = await factory.Database.ScalarAsync<Guid>(
            "SELECT DISTINCT actor_id FROM senderids.status_transitions WHERE application_id = @id AND actor_role = 'Company'", ("id", id));
        const string recorded = "SELECT count(*) FROM privacy.staff_accesses WHERE subject_kind = 'BusinessUser' AND subject_id = @s AND reason = @r";
        var reason = $"Sender ID review: {sender} (application {id})";
        (await factory.Database.ScalarAsync<long>(recorded, ("s", applicant), ("r", reason))).Should().Be(0);

        var admin = await factory.AdminAsync();
        var (status, review) = await admin.GetAsync($"/Admin/SenderIds/Review/{id}");
        status.Should().Be(HttpStatusCode.OK);
        review.Should().Contain("@senderids.example", "the history shows the applicant's email");
        // Admins see the company by name, not its id (issue #18 item 5: names, not GUIDs, on every admin page).
        var company = await factory.Database.ScalarAsync<Guid>("SELECT company_id FROM senderids.applications WHERE id = @id", ("id", id));
        var name = await factory.Database.ScalarAsync<string>("SELECT name FROM accounts.companies WHERE id = @c", ("c", company));
        review.Should().Contain($"id=\"company\">{System.Net.WebUtility.HtmlEncode(name)}<").And.NotContain(company.ToString());
        var (_, queue) = await admin.GetAsync("/Admin/SenderIds?Status=Submitted");
        queue.Should().Contain(System.Net.WebUtility.HtmlEncode(name)).And.NotContain($">{company}<");
        (await factory.Database.ScalarAsync<long>(recorded, ("s", applicant), ("r", reason))).Should().Be(1, "one view, one record for the one company person in the history");
    }

    [Fact]
    public async Task Another_company_cannot_see_change_submit_or_download_an_application_or_its_documents()
    {
        var owner = await factory.NewCompanyAsync("Owner");
        var other = await factory.NewCompanyAsync("Other");
        var id = await SenderIdsFactory.ApplyAsync(owner, Unique("OWN"), "GB");
        var documentId = (await factory.Database.ScalarAsync<Guid>("SELECT id FROM senderids.documents WHERE application_id = @id AND kind = 'AuthorisationLetter'", ("id", id)))!;

        (await other.GetAsync($"/SenderIds/Details/{id}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/SenderIds/Apply/{id}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/SenderIds/Document/{documentId}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/Admin/SenderIds/Document/{documentId}")).Status.Should().NotBe(HttpStatusCode.OK);
        (await other.GetAsync($"/Admin/SenderIds/Review/{id}")).Status.Should().NotBe(HttpStatusCode.OK);
        (await other.GetAsync("/SenderIds")).Body.Should().NotContain(id.ToString());
        var otherSubmit = await PostWithTokenFromAsync(other, "/SenderIds/Apply", $"/SenderIds/Details/{id}?handler=Submit");
        otherSubmit.Should().Be(HttpStatusCode.NotFound);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM senderids.applications WHERE id = @id", ("id", id))).Should().Be("Draft");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.document_access_log WHERE document_id = @id", ("id", documentId))).Should().Be(0);

        using var download = await owner.Http.GetAsync($"/SenderIds/Document/{documentId}");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        download.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        download.Headers.GetValues("X-Content-Type-Options").Should().Contain("nosniff");
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(SenderIdsFactory.Pdf);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.document_access_log WHERE document_id = @id AND NOT as_admin", ("id", documentId))).Should().Be(1);
    }

    [Fact]
    public async Task Approved_is_usable_in_its_countries_only_and_only_by_its_company()
    {
        var owner = await factory.NewCompanyAsync("Approve");
        var other = await factory.NewCompanyAsync("Rival");
        var admin = await factory.AdminAsync();
        var sender = Unique("APR");
        var id = await SenderIdsFactory.ApplyAsync(owner, sender, "GB", "IE");
        var companyId = await factory.CompanyIdOfAsync(id);
        (await factory.SendAsync(new CheckSenderId(companyId, sender, "GB"))).Allowed.Should().BeFalse("a draft is not approved");
        await SenderIdsFactory.SubmitAsync(owner, id);

        (await SenderIdsFactory.DecideAsync(admin, id, "StartReview")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await SenderIdsFactory.DecideAsync(admin, id, "Approve")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await factory.SendAsync(new CheckSenderId(companyId, sender, "GB"))).Should().Be(new SenderIdCheck(true, null));
        (await factory.SendAsync(new CheckSenderId(companyId, sender.ToLowerInvariant(), "ie"))).Allowed.Should().BeTrue();
        (await factory.SendAsync(new CheckSenderId(companyId, sender, "FR"))).Reason.Should().Be($"Sender ID {sender} is not approved for FR. Apply for it in FR first.");
        var otherId = Guid.NewGuid();
        (await factory.SendAsync(new CheckSenderId(otherId, sender, "GB"))).Reason.Should().Be($"Sender ID {sender} belongs to another company.");
        (await factory.SendAsync(new CheckSenderId(otherId, "PLATFORM", "FR"))).Allowed.Should().BeTrue("the platform's default sender is usable everywhere");

        var usable = await factory.SendAsync(new ListUsableSenderIds(companyId));
        usable.Should().ContainSingle(u => u.SenderId == sender).Which.Countries.Should().Equal("GB", "IE");
        usable.Should().ContainSingle(u => u.IsPlatformDefault && u.SenderId == "PLATFORM");

        var rival = await SenderIdsFactory.ApplyAsync(other, Unique("RIV"), "GB");
        await factory.Database.ExecuteAsync($"UPDATE senderids.applications SET sender_id = '{sender}', sender_key = '{sender}', status = 'Submitted' WHERE id = '{rival}'");
        var (_, review) = await admin.GetAsync($"/Admin/SenderIds/Review/{rival}");
        WebUtility.HtmlDecode(review).Should().Contain($"Flag: 1 other company has applied for or hold {sender}");
        WebUtility.HtmlDecode(await (await SenderIdsFactory.DecideAsync(admin, rival, "Approve")).Content.ReadAsStringAsync())
            .Should().Contain($"{sender} is already approved for another company");

        var duplicate = await SenderIdsFactory.PostApplyAsync(other, SenderIdsFactory.ValidFields(sender.ToLowerInvariant(), "GB"), SenderIdsFactory.ValidFiles());
        duplicate.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await duplicate.Content.ReadAsStringAsync()).Should().Contain("is already approved for another company");

        var (_, overview) = await owner.GetAsync("/SenderIds");
        WebUtility.HtmlDecode(overview).Should().Contain($"Sender ID {sender} was approved for GB, IE.");
        var (_, details) = await owner.GetAsync($"/SenderIds/Details/{id}");
        WebUtility.HtmlDecode(details).Should().Contain("Under review → Approved").And.Contain("Platform reviewer");
        (await factory.Database.ScalarAsync<string>("SELECT actor_email FROM senderids.status_transitions WHERE application_id = @id AND to_status = 'Approved'", ("id", id)))
            .Should().Be(Infrastructure.PlatformFactory.AdminEmail);
    }

    [Fact]
    public async Task Rejected_needs_a_reason_is_refused_with_it_and_can_be_fixed_and_resubmitted()
    {
        var owner = await factory.NewCompanyAsync("Reject");
        var admin = await factory.AdminAsync();
        var sender = Unique("REJ");
        var id = await SenderIdsFactory.ApplyAsync(owner, sender, "GB");
        var companyId = await factory.CompanyIdOfAsync(id);
        await SenderIdsFactory.SubmitAsync(owner, id);

        var noReason = await SenderIdsFactory.DecideAsync(admin, id, "Reject");
        noReason.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await noReason.Content.ReadAsStringAsync()).Should().Contain("Give the reason for rejecting");

        (await SenderIdsFactory.DecideAsync(admin, id, "Reject", "The letter is not signed")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.SendAsync(new CheckSenderId(companyId, sender, "GB"))).Should().Be(new SenderIdCheck(false, $"Sender ID {sender} was rejected: The letter is not signed"));
        WebUtility.HtmlDecode((await owner.GetAsync("/SenderIds")).Body).Should().Contain($"Sender ID {sender} was rejected: The letter is not signed.");

        var fixedFields = SenderIdsFactory.ValidFields(sender, "GB", "FR");
        fixedFields["Input.Id"] = id.ToString();
        var files = new Dictionary<string, Upload?> { ["Input.AuthorisationLetter"] = new Upload(SenderIdsFactory.Pdf, "signed.pdf") };
        (await SenderIdsFactory.PostApplyAsync(owner, fixedFields, files, $"/SenderIds/Apply/{id}")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await SenderIdsFactory.SubmitAsync(owner, id);
        (await factory.Database.ScalarAsync<string>("SELECT status || ' ' || array_to_string(countries, ',') FROM senderids.applications WHERE id = @id", ("id", id))).Should().Be("Submitted FR,GB");
        WebUtility.HtmlDecode((await owner.GetAsync($"/SenderIds/Details/{id}")).Body).Should().Contain("Rejected → Submitted").And.Contain("The letter is not signed");
    }

    [Fact]
    public async Task Revoked_is_refused_with_the_reason_and_published()
    {
        var owner = await factory.NewCompanyAsync("Revoke");
        var admin = await factory.AdminAsync();
        var sender = Unique("REV");
        var id = await SenderIdsFactory.ApplyAsync(owner, sender, "GB");
        var companyId = await factory.CompanyIdOfAsync(id);
        await SenderIdsFactory.SubmitAsync(owner, id);
        (await SenderIdsFactory.DecideAsync(admin, id, "Approve")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.SendAsync(new CheckSenderId(companyId, sender, "GB"))).Allowed.Should().BeTrue();

        WebUtility.HtmlDecode(await (await SenderIdsFactory.DecideAsync(admin, id, "Revoke")).Content.ReadAsStringAsync()).Should().Contain("Give the reason for revoking");
        (await SenderIdsFactory.DecideAsync(admin, id, "Revoke", "Used for phishing")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await factory.SendAsync(new CheckSenderId(companyId, sender, "GB"))).Should().Be(new SenderIdCheck(false, $"Sender ID {sender} was revoked: Used for phishing"));
        (await factory.SendAsync(new ListUsableSenderIds(companyId))).Should().NotContain(u => u.SenderId == sender);
        // Published from SenderIds' outbox after the revocation commits: it arrives a moment later.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!factory.Revoked.All.Any(e => e.SenderId == sender))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the revocation is published from the outbox");
            await Task.Delay(100);
        }

        factory.Revoked.All.Should().ContainSingle(e => e.SenderId == sender).Which.Should().Match<SenderIdRevoked>(e => e.CompanyId == companyId && e.Reason == "Used for phishing");
        WebUtility.HtmlDecode((await owner.GetAsync("/SenderIds")).Body).Should().Contain($"Sender ID {sender} was revoked: Used for phishing.");
    }

    [Fact]
    public async Task The_admin_views_documents_inline_and_each_access_is_audited()
    {
        var owner = await factory.NewCompanyAsync("Docs");
        var admin = await factory.AdminAsync();
        var id = await SenderIdsFactory.ApplyAsync(owner, Unique("DOC"), "GB");
        var documentId = (await factory.Database.ScalarAsync<Guid>("SELECT id FROM senderids.documents WHERE application_id = @id AND kind = 'RegistrationCertificate'", ("id", id)))!;

        using var view = await admin.Http.GetAsync($"/Admin/SenderIds/Document/{documentId}");
        view.StatusCode.Should().Be(HttpStatusCode.OK);
        view.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        view.Content.Headers.ContentDisposition!.DispositionType.Should().Be("inline");
        await admin.Http.GetAsync($"/Admin/SenderIds/Document/{documentId}");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.document_access_log WHERE document_id = @id AND as_admin", ("id", documentId))).Should().Be(2);
        (await owner.GetAsync("/Admin/SenderIds")).Status.Should().NotBe(HttpStatusCode.OK, "the queue is for admins");
    }

    [Fact]
    public async Task The_pages_render_in_the_layout_and_the_purge_job_is_on_the_jobs_dashboard()
    {
        var admin = await factory.AdminAsync();
        var queue = await admin.GetAsync("/Admin/SenderIds");
        queue.Status.Should().Be(HttpStatusCode.OK);
        queue.Body.Should().Contain("Sender ID review queue").And.Contain("href=\"/Admin/Jobs\"");
        (await admin.GetAsync("/Admin/Jobs/recurring")).Body.Should().Contain("senderids.purge-documents");

        var owner = await factory.NewCompanyAsync("Layout");
        var index = await owner.GetAsync("/SenderIds");
        index.Status.Should().Be(HttpStatusCode.OK);
        index.Body.Should().Contain("PLATFORM").And.Contain("href=\"/SenderIds\"");
    }

    [Fact]
    public async Task The_queue_is_oldest_first_and_filters_by_country_and_status()
    {
        var owner = await factory.NewCompanyAsync("Queue");
        var admin = await factory.AdminAsync();
        var newer = await SenderIdsFactory.ApplyAsync(owner, Unique("QNEW"), "NZ");
        var older = await SenderIdsFactory.ApplyAsync(owner, Unique("QOLD"), "NZ", "JP");
        var japanOnly = await SenderIdsFactory.ApplyAsync(owner, Unique("QJP"), "JP");
        foreach (var id in new[] { newer, older, japanOnly })
        {
            await SenderIdsFactory.SubmitAsync(owner, id);
        }

        await factory.Database.ExecuteAsync($"UPDATE senderids.applications SET submitted_at = now() - interval '3 days' WHERE id = '{older}'");
        await factory.Database.ExecuteAsync($"UPDATE senderids.applications SET submitted_at = now() - interval '1 day' WHERE id = '{newer}'");

        var nz = (await admin.GetAsync("/Admin/SenderIds?country=nz")).Body;
        nz.Should().Contain(older.ToString()).And.Contain(newer.ToString()).And.NotContain(japanOnly.ToString());
        nz.IndexOf(older.ToString(), StringComparison.Ordinal).Should().BeLessThan(nz.IndexOf(newer.ToString(), StringComparison.Ordinal));

        (await SenderIdsFactory.DecideAsync(admin, older, "Reject", "Missing signature")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await admin.GetAsync("/Admin/SenderIds?country=NZ")).Body.Should().NotContain(older.ToString()).And.Contain(newer.ToString());
        var rejected = (await admin.GetAsync("/Admin/SenderIds?country=NZ&status=Rejected")).Body;
        rejected.Should().Contain(older.ToString()).And.NotContain(newer.ToString());
    }

    [Fact]
    public async Task The_purge_job_deletes_documents_after_the_retention_and_keeps_the_decision()
    {
        var owner = await factory.NewCompanyAsync("Purge");
        var admin = await factory.AdminAsync();
        var old = await SenderIdsFactory.ApplyAsync(owner, Unique("POLD"), "GB");
        var recent = await SenderIdsFactory.ApplyAsync(owner, Unique("PNEW"), "GB");
        var pending = await SenderIdsFactory.ApplyAsync(owner, Unique("PPEN"), "GB");
        foreach (var id in new[] { old, recent, pending })
        {
            await SenderIdsFactory.SubmitAsync(owner, id);
        }

        (await SenderIdsFactory.DecideAsync(admin, old, "Approve", "Checked")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await SenderIdsFactory.DecideAsync(admin, recent, "Reject", "Unreadable")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await factory.Database.ExecuteAsync($"UPDATE senderids.applications SET decided_at = now() - interval '31 days' WHERE id = '{old}'");
        var oldFiles = await FilesOfAsync(old);
        oldFiles.Should().HaveCount(2).And.OnlyContain(f => File.Exists(f));

        factory.Services.GetRequiredService<IRecurringJobManager>().Trigger("senderids.purge-documents");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.documents WHERE application_id = @id AND purged_at IS NULL", ("id", old)) > 0)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the purge job should have run");
            await Task.Delay(200);
        }

        oldFiles.Should().OnlyContain(f => !File.Exists(f));
        (await FilesOfAsync(recent)).Should().HaveCount(2).And.OnlyContain(f => File.Exists(f));
        (await FilesOfAsync(pending)).Should().HaveCount(2).And.OnlyContain(f => File.Exists(f));
        (await factory.Database.ScalarAsync<string>("SELECT status || ': ' || decision_reason FROM senderids.applications WHERE id = @id", ("id", old))).Should().Be("Approved: Checked");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.status_transitions WHERE application_id = @id", ("id", old))).Should().Be(3);
        var companyId = await factory.CompanyIdOfAsync(old);
        var documentId = (await factory.Database.ScalarAsync<Guid>("SELECT id FROM senderids.documents WHERE application_id = @id LIMIT 1", ("id", old)))!;
        (await owner.GetAsync($"/SenderIds/Document/{documentId}")).Status.Should().Be(HttpStatusCode.NotFound);
        WebUtility.HtmlDecode((await owner.GetAsync($"/SenderIds/Details/{old}")).Body).Should().Contain("after the decision");
        (await factory.SendAsync(new CheckSenderId(companyId, (await factory.Database.ScalarAsync<string>("SELECT sender_id FROM senderids.applications WHERE id = @id", ("id", old)))!, "GB"))).Allowed.Should().BeTrue();
    }

    private async Task<string[]> FilesOfAsync(Guid applicationId)
    {
        var ids = await factory.Database.ScalarAsync<string>("SELECT string_agg(replace(id::text, '-', ''), ',') FROM senderids.documents WHERE application_id = @id", ("id", applicationId));
        return ids!.Split(',').Select(i => Path.Combine(factory.DocumentsPath, i)).ToArray();
    }

    private static async Task<HttpStatusCode> PostWithTokenFromAsync(Infrastructure.FormClient client, string pageWithForm, string target)
    {
        var html = await client.Http.GetStringAsync(pageWithForm);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var response = await client.Http.PostAsync(target, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) }));
        return response.StatusCode;
    }
}
