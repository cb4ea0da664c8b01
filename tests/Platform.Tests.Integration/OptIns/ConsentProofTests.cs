using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.Privacy;

namespace Platform.Tests.Integration.OptIns;

/// <summary>The host with its checkpoint key in a file of its own (as configuration names it) and checkpoints written beside it.</summary>
public sealed class ConsentProofFactory : PlatformFactory
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"consent-proof-{Guid.NewGuid():N}");

    public string KeyFile => Path.Combine(Directory, "signing-key.pem");

    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:OptIns:ConsentSigningKeyFile"] = KeyFile,
        ["Platform:OptIns:ConsentCheckpointDirectory"] = CheckpointDirectory,
        // Sealed and signed only when a test says so (Hangfire's "never": 31 February), so batches hold what the test expects.
        ["Platform:OptIns:ConsentSealCron"] = "0 0 0 31 2 *",
        ["Platform:OptIns:ConsentCheckpointCron"] = "0 0 0 31 2 *",
    };

    public Task RunJobAsync(string id) => RunRecurringJobAsync(id);

    /// <summary>Seals what was recorded and signs a checkpoint over it: what a minute and the next 00:05 UTC do.</summary>
    public async Task SealAndCheckpointAsync()
    {
        await RunJobAsync("optins.seal-consent");
        await RunJobAsync("optins.consent-checkpoint");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>
/// Consent proof (issue #19 item 3): people opt in and out by texting through the simulator carrier, the jobs seal and sign,
/// the company downloads a bundle for one number, and the public /privacy/verify page checks it.
/// </summary>
public sealed partial class ConsentProofTests(ConsentProofFactory factory) : IClassFixture<ConsentProofFactory>
{
    [Fact]
    public async Task A_bundle_for_a_number_verifies_with_every_record_linked_to_a_signed_checkpoint()
    {
        var (owner, _) = await factory.CompanyAsync("Proof Pizza");
        await OptInsFactory.CreateKeywordAsync(owner, "PROOFPZ");
        var handset = TestHandsets.New();
        await factory.TextPlatformAsync(handset, "PROOFPZ");
        // Other people's records in the same batches make the Merkle trees more than one leaf deep.
        foreach (var other in Enumerable.Range(0, 5).Select(_ => TestHandsets.New()))
        {
            await factory.TextPlatformAsync(other, "proofpz");
        }

        await factory.TextPlatformAsync(handset, "STOP");
        await factory.SealAndCheckpointAsync();
        await factory.TextPlatformAsync(handset, "PROOFPZ");
        await factory.SealAndCheckpointAsync();

        var bundle = await BundleAsync(owner, handset);
        var records = bundle["records"]!.AsArray();
        records.Select(r => (bool?)r!["optedIn"]).Should().Equal(true, false, true);
        records.Select(r => (string?)r!["keyword"]).Should().Equal("PROOFPZ", "PROOFPZ", "PROOFPZ");
        records.Should().OnlyContain(r => r!["checkpointId"] != null && (int)r["treeSize"]! >= 1);
        ((int)records[0]!["treeSize"]!).Should().Be(7, "the first batch sealed the six opt-ins and the STOP together");
        bundle["segments"]!.AsArray().Should().HaveCount(2, "the records span two checkpoints");
        string.Join("\n", bundle["summary"]!.AsArray().Select(l => (string?)l)).Should().Contain("opted in by SMS (keyword PROOFPZ)");

        var verdict = await VerifyAsync(bundle.ToJsonString());
        verdict.Valid.Should().BeTrue(verdict.Text);
        verdict.States.Should().Equal("proven", "proven", "proven");

        // The company's own page shows the same, and the CSV carrier audits ask for.
        var shown = await owner.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = handset });
        var page = WebUtility.HtmlDecode(await shown.Content.ReadAsStringAsync());
        page.Should().Contain($"The proof of {handset} checks out");
        var csv = await (await owner.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = handset }, handler: "Csv")).Content.ReadAsStringAsync();
        csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(4);
        csv.Should().Contain("opt-in,PROOFPZ,SMS,PROOFPZ").And.Contain("Proof Pizza");

        // The checkpoints are public, signed by the key in the configured file, and written as files too.
        var anonymous = factory.CreateClient();
        var published = (await anonymous.GetFromJsonAsync<JsonArray>("/privacy/consent-checkpoints"))!;
        var ids = bundle["checkpoints"]!.AsArray().Select(c => (long)c!["id"]!).ToList();
        ids.Should().HaveCount(2);
        published.Select(c => (long)c!["id"]!).Should().Contain(ids);
        var checkpoint = (await anonymous.GetFromJsonAsync<JsonObject>($"/privacy/consent-checkpoints/{ids[1]}"))!;
        ((string)checkpoint["body"]!).Should().Be((string)bundle["checkpoints"]![1]!["body"]!);
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(factory.KeyFile));
        key.VerifyData(Encoding.UTF8.GetBytes((string)checkpoint["body"]!), Convert.FromBase64String((string)checkpoint["signature"]!),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();
        (await anonymous.GetStringAsync("/privacy/consent-key.pem")).Should().Be(key.ExportSubjectPublicKeyInfoPem());
        foreach (var id in ids)
        {
            var file = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(factory.CheckpointDirectory, $"checkpoint-{id:D8}.json")))!;
            ((string)file["signature"]!).Should().Be((string)bundle["checkpoints"]!.AsArray().Single(c => (long)c!["id"]! == id)!["signature"]!);
        }
    }

    [Fact]
    public async Task Altering_deleting_or_reordering_a_record_or_a_checkpoint_fails_with_a_clear_reason()
    {
        var (owner, _) = await factory.CompanyAsync("Tamper Tacos");
        await OptInsFactory.CreateKeywordAsync(owner, "TAMPERTC");
        var handset = TestHandsets.New();
        await factory.TextPlatformAsync(handset, "TAMPERTC");
        await factory.TextPlatformAsync(handset, "STOP");
        await factory.TextPlatformAsync(handset, "START");
        await factory.SealAndCheckpointAsync();
        var bundle = await BundleAsync(owner, handset);
        (await VerifyAsync(bundle.ToJsonString())).Valid.Should().BeTrue();

        var altered = Copy(bundle);
        altered["records"]![1]!["messageText"] = "I never said stop";
        (await VerifyAsync(altered.ToJsonString())).Text.Should().Contain("Record 2 (").And.Contain("does not match its fingerprint");

        var deleted = Copy(bundle);
        deleted["records"]!.AsArray().RemoveAt(1);
        (await VerifyAsync(deleted.ToJsonString())).Text.Should().Contain("does not follow record 1: a record between them is missing, or records were re-ordered");

        var reordered = Copy(bundle);
        var list = reordered["records"]!.AsArray();
        var second = list[1]!.DeepClone();
        list[1] = list[2]!.DeepClone();
        list[2] = second;
        (await VerifyAsync(reordered.ToJsonString())).Valid.Should().BeFalse();
        (await VerifyAsync(reordered.ToJsonString())).Text.Should().Contain("does not follow record");

        var firstDropped = Copy(bundle);
        firstDropped["records"]!.AsArray().RemoveAt(0);
        (await VerifyAsync(firstDropped.ToJsonString())).Text.Should().Contain("follows an earlier record of this number that is missing from the bundle");

        var rewrittenBatch = Copy(bundle);
        rewrittenBatch["segments"]![0]!["roots"]![0] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        (await VerifyAsync(rewrittenBatch.ToJsonString())).Text.Should().Contain("do not lead to the chain head that checkpoint");

        var forgedCheckpoint = Copy(bundle);
        var body = (string)forgedCheckpoint["checkpoints"]![0]!["body"]!;
        forgedCheckpoint["checkpoints"]![0]!["body"] = body.Replace("\"seq\":", "\"seq\": ", StringComparison.Ordinal);
        (await VerifyAsync(forgedCheckpoint.ToJsonString())).Text.Should().Contain("is not signed by this platform's key");

        var notABundle = await VerifyAsync("{\"hello\": 1}");
        notABundle.Text.Should().Contain("This file is not a consent proof bundle");
        (await VerifyAsync("not json at all")).Text.Should().Contain("not a consent proof bundle");
    }

    [Fact]
    public async Task A_record_changed_in_the_database_no_longer_proves_anything()
    {
        var (owner, _) = await factory.CompanyAsync("Rewrite Ramen");
        await OptInsFactory.CreateKeywordAsync(owner, "REWRITERM");
        var handset = TestHandsets.New();
        await factory.TextPlatformAsync(handset, "REWRITERM");
        await factory.TextPlatformAsync(handset, "STOP");
        await factory.SealAndCheckpointAsync();

        // Someone with write access to the database turns the opt-out into an opt-in (the append-only trigger has to go first).
        await factory.Database.ExecuteAsync(
            $"""
            ALTER TABLE optins.consent_records DISABLE TRIGGER consent_records_append_only;
            UPDATE optins.consent_records SET opted_in = true, message_text = 'YES' WHERE NOT opted_in
              AND subscriber_id = (SELECT id FROM optins.subscribers WHERE phone = '{handset}');
            ALTER TABLE optins.consent_records ENABLE TRIGGER consent_records_append_only;
            """);

        var verdict = await VerifyAsync((await BundleAsync(owner, handset)).ToJsonString());
        verdict.Valid.Should().BeFalse();
        verdict.Text.Should().Contain("Record 2 (").And.Contain("does not match its fingerprint");
        verdict.States.Should().Equal("proven", "failed");
    }

    [Fact]
    public async Task After_the_person_erases_their_account_the_bundle_verifies_and_shows_their_records_as_erased()
    {
        var (owner, _) = await factory.CompanyAsync("Erased Eats");
        await OptInsFactory.CreateKeywordAsync(owner, "ERASEEAT");
        var person = await PrivacyTestKit.SubscriberAsync(factory, "ERASEEAT", "proof");
        await factory.TextPlatformAsync(person.Handset, "STOP");
        // Two of the person's records: the first is sealed before the erasure, the second only after it.
        await factory.RunJobAsync("optins.seal-consent");
        await factory.TextPlatformAsync(person.Handset, "ERASEEAT");

        var erased = await person.Client.PostFormAsync("/Privacy/Me", new() { ["Erase.Password"] = PrivacyTestKit.SubscriberPassword, ["Erase.Confirm"] = "true" }, handler: "Erase");
        WebUtility.HtmlDecode(await erased.Content.ReadAsStringAsync()).Should().Contain("Your account is erased")
            .And.Contain("The fingerprint of each consent record (with its time)", "the person is told what the consent proof keeps");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.subscribers WHERE phone = @p", ("p", person.Handset))).Should().Be(0);

        // The same number opts in again later: a new person as far as the platform knows, whose history starts afresh.
        await factory.TextPlatformAsync(person.Handset, "ERASEEAT");
        await factory.SealAndCheckpointAsync();

        var bundle = await BundleAsync(owner, person.Handset);
        var records = bundle["records"]!.AsArray();
        records.Select(r => (bool)r!["erased"]!).Should().Equal(true, true, true, false);
        records.Take(3).Should().OnlyContain(r => r!["salt"] == null && r["messageText"] == null && r["optedIn"] == null,
            "an erased record keeps only its fingerprint, time and place");
        var verdict = await VerifyAsync(bundle.ToJsonString());
        verdict.Valid.Should().BeTrue(verdict.Text);
        verdict.States.Should().Equal("erased", "erased", "erased", "proven");
        verdict.Text.Should().Contain("Erased at the person's request");
    }

    [Fact]
    public async Task Records_newer_than_the_last_checkpoint_are_shown_as_awaiting_it_and_bad_input_changes_nothing()
    {
        var (owner, _) = await factory.CompanyAsync("Pending Pasta");
        await OptInsFactory.CreateKeywordAsync(owner, "PENDPASTA");
        var handset = TestHandsets.New();
        await factory.TextPlatformAsync(handset, "PENDPASTA");

        var verdict = await VerifyAsync((await BundleAsync(owner, handset)).ToJsonString());
        verdict.Valid.Should().BeTrue(verdict.Text);
        verdict.States.Should().Equal("pending");

        var notANumber = await owner.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = "call me" }, handler: "Bundle");
        notANumber.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await notANumber.Content.ReadAsStringAsync()).Should().Contain("Enter the mobile number in international format");
        var stranger = await owner.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = TestHandsets.New() }, handler: "Bundle");
        WebUtility.HtmlDecode(await stranger.Content.ReadAsStringAsync()).Should().Contain("Your company holds no consent record of");

        // Another company asking for the same number learns nothing.
        var (other, _) = await factory.CompanyAsync("Nosy Noodles");
        var nosy = await other.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = handset }, handler: "Bundle");
        WebUtility.HtmlDecode(await nosy.Content.ReadAsStringAsync()).Should().Contain("Your company holds no consent record of");
        (await factory.CreateFormClient().Http.GetAsync("/OptIns/Consent")).StatusCode.Should().Be(HttpStatusCode.Redirect, "company users only");
    }

    [Fact]
    public async Task The_consent_tables_refuse_rewrites_of_sealed_leaves_batches_and_checkpoints()
    {
        var (owner, _) = await factory.CompanyAsync("Locked Lasagne");
        await OptInsFactory.CreateKeywordAsync(owner, "LOCKLASA");
        await factory.TextPlatformAsync(TestHandsets.New(), "LOCKLASA");
        await factory.SealAndCheckpointAsync();

        foreach (var sql in new[]
                 {
                     "UPDATE optins.consent_leaves SET leaf_hash = sha256('x'::bytea)",
                     "UPDATE optins.consent_leaves SET batch_seq = batch_seq + 1",
                     "DELETE FROM optins.consent_leaves",
                     "UPDATE optins.consent_batches SET root = sha256('x'::bytea)",
                     "DELETE FROM optins.consent_checkpoints",
                 })
        {
            var attempt = () => factory.Database.ExecuteAsync(sql);
            (await attempt.Should().ThrowAsync<Npgsql.PostgresException>(sql)).Which.SqlState.Should().Be("42501");
        }
    }

    [Fact]
    public async Task The_documented_offline_check_accepts_a_bundle_and_rejects_an_altered_one()
    {
        var (owner, _) = await factory.CompanyAsync("Offline Olives");
        await OptInsFactory.CreateKeywordAsync(owner, "OFFOLIVE");
        var handset = TestHandsets.New();
        await factory.TextPlatformAsync(handset, "OFFOLIVE");
        await factory.TextPlatformAsync(handset, "STOP");
        await factory.SealAndCheckpointAsync();
        await factory.TextPlatformAsync(handset, "OFFOLIVE");
        await factory.SealAndCheckpointAsync();
        var bundle = await BundleAsync(owner, handset);

        // As an auditor would: the public key fetched from the platform, the bundle from the company, the script from the docs.
        var work = System.IO.Directory.CreateDirectory(Path.Combine(factory.Directory, $"offline-{Guid.NewGuid():N}")).FullName;
        var keyFile = Path.Combine(work, "consent-key.pem");
        await File.WriteAllTextAsync(keyFile, await factory.CreateClient().GetStringAsync("/privacy/consent-key.pem"));

        var valid = await OfflineCheckAsync(work, keyFile, bundle);
        valid.ExitCode.Should().Be(0, valid.Output);
        valid.Output.Should().Contain($"VALID: 3 record(s) of {handset} at Offline Olives");

        var altered = Copy(bundle);
        altered["records"]![1]!["optedIn"] = true;
        var refused = await OfflineCheckAsync(work, keyFile, altered);
        refused.ExitCode.Should().Be(1, refused.Output);
        refused.Output.Should().Contain("NOT VALID: record 2 does not match its fingerprint");

        var reordered = Copy(bundle);
        reordered["records"]!.AsArray().RemoveAt(1);
        (await OfflineCheckAsync(work, keyFile, reordered)).Output.Should().Contain("record 2 does not follow the record before it");
    }

    private static async Task<(int ExitCode, string Output)> OfflineCheckAsync(string work, string keyFile, JsonObject bundle)
    {
        var bundleFile = Path.Combine(work, $"bundle-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(bundleFile, bundle.ToJsonString());
        var script = Path.Combine(HostProcess.RepositoryRoot(), "docs", "consent-proof", "verify_consent_proof.py");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", [script, bundleFile, keyFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + errors);
    }

    private static JsonObject Copy(JsonObject bundle) => JsonNode.Parse(bundle.ToJsonString())!.AsObject();

    private static async Task<JsonObject> BundleAsync(FormClient owner, string handset)
    {
        var response = await owner.PostFormAsync("/OptIns/Consent", new() { ["Phone"] = handset }, handler: "Bundle");
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json", await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private sealed record Verdict(bool Valid, string Text, IReadOnlyList<string> States);

    /// <summary>Checks a bundle on the public page, as anyone would: no login.</summary>
    private async Task<Verdict> VerifyAsync(string bundleJson)
    {
        var anonymous = factory.CreateFormClient();
        var response = await anonymous.PostMultipartAsync("/privacy/verify", new(), "Bundle", "consent-proof.json", Encoding.UTF8.GetBytes(bundleJson), "application/json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        var verdict = VerdictBlock().Match(html);
        verdict.Success.Should().BeTrue(html);
        var text = Tags().Replace(verdict.Value + string.Join(" ", RecordRows().Matches(html).Select(m => m.Value)), " ");
        return new Verdict(verdict.Groups[1].Value == "alert-success", text, StateOf().Matches(html).Select(m => m.Groups[1].Value).ToList());
    }

    [GeneratedRegex("<div class=\"alert (alert-success|alert-danger)\" id=\"proof-verdict\">.*?</div>", RegexOptions.Singleline)]
    private static partial Regex VerdictBlock();

    [GeneratedRegex("<tr data-state=.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex RecordRows();

    [GeneratedRegex("<tr data-state=\"([a-z]+)\"")]
    private static partial Regex StateOf();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}
