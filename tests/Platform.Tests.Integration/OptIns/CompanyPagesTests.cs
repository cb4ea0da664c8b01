using System.Net;

namespace Platform.Tests.Integration.OptIns;

/// <summary>Keywords through the company pages: rules, history, export, and tenant isolation on every route.</summary>
public sealed class CompanyPagesTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    [Theory]
    [InlineData("STOP", "is reserved")]
    [InlineData("stop", "is reserved")]
    [InlineData("OPTOUT", "is reserved")]
    [InlineData("Help", "is reserved")]
    [InlineData("ST0P", "looks like the reserved word STOP")]
    [InlineData("5TOP", "looks like the reserved word STOP")]
    [InlineData("HELP1", "looks like the reserved word HELP")]
    [InlineData("1NF0", "looks like the reserved word INFO")]
    [InlineData("UN5TOP", "looks like the reserved word UNSTOP")]
    [InlineData("Y3S", "looks like the reserved word YES")]
    [InlineData("A", "2 to 20 letters and digits")]
    [InlineData("PIZ ZA", "2 to 20 letters and digits")]
    [InlineData("PIZZA!", "2 to 20 letters and digits")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", "2 to 20 letters and digits")]
    [InlineData("", "Enter the keyword")]
    public async Task Reserved_lookalike_and_malformed_keywords_are_refused_with_a_clear_message(string word, string message)
    {
        var owner = await factory.RegisterCompanyAsync($"Rules {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@rules.example");

        var response = await owner.PostFormAsync("/OptIns/Keywords/Create", new()
        {
            ["Input.Word"] = word,
            ["Input.PlatformNumber"] = OptInsFactory.PlatformNumber,
            ["Input.Description"] = "d",
            ["Input.AutoReply"] = "r",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.keywords WHERE word = @w", ("w", word.ToUpperInvariant()))).Should().Be(0);
    }

    [Fact]
    public async Task A_keyword_is_unique_per_number_whatever_its_case_and_whoever_owns_it()
    {
        await factory.CompanyWithKeywordAsync("Unique A", "UNIQUEKW");
        var other = await factory.RegisterCompanyAsync("Unique B", $"{Guid.NewGuid():N}@unique.example");

        var response = await other.PostFormAsync("/OptIns/Keywords/Create", new()
        {
            ["Input.Word"] = "uniquekw",
            ["Input.PlatformNumber"] = OptInsFactory.PlatformNumber,
            ["Input.Description"] = "d",
            ["Input.AutoReply"] = "r",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("UNIQUEKW is already taken on +15550100100");
    }

    [Fact]
    public async Task A_keyword_on_another_number_is_refused()
    {
        var owner = await factory.RegisterCompanyAsync($"Numbers {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@numbers.example");

        var response = await owner.PostFormAsync("/OptIns/Keywords/Create", new()
        {
            ["Input.Word"] = "MYNUMBER",
            ["Input.PlatformNumber"] = "+447700900123",
            ["Input.Description"] = "d",
            ["Input.AutoReply"] = "r",
        });

        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("Choose one of the platform's numbers.");
    }

    [Fact]
    public async Task The_owner_edits_and_deletes_a_keyword_and_the_word_is_free_again()
    {
        var (owner, id) = await factory.CompanyWithKeywordAsync("Edit Co", "EDITCO");

        var edited = await owner.PostFormAsync($"/OptIns/Keywords/Edit/{id}", new() { ["Input.Description"] = "New description", ["Input.AutoReply"] = "New reply" });
        edited.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT auto_reply FROM optins.keywords WHERE id = @id", ("id", id))).Should().Be("New reply");

        var deleted = await owner.PostFormAsync($"/OptIns/Keywords/Edit/{id}", [], handler: "Delete");
        deleted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync($"/OptIns/Keywords/Details/{id}")).Status.Should().Be(HttpStatusCode.NotFound);
        await OptInsFactory.CreateKeywordAsync(owner, "EDITCO");
    }

    [Fact]
    public async Task The_company_sees_counts_and_history_by_user_code_never_the_phone_number_and_exports_it_as_csv()
    {
        var (owner, id) = await factory.CompanyWithKeywordAsync("History Co", "HISTORYCO");
        await factory.TextAsync("+15556660001", "HISTORYCO");
        await factory.TextAsync("+15556660001", "historyco");
        await factory.TextAsync("+15556660002", "HISTORYCO");
        await factory.TextAsync("+15556660002", "STOP");
        var code = await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = '+15556660001'");

        var (status, page) = await owner.GetAsync($"/OptIns/Keywords/Details/{id}");

        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain(code).And.NotContain("5556660001").And.NotContain("5556660002");
        page.Should().Contain("<div class=\"fs-3\" id=\"opted-in\">1</div>").And.Contain("<div class=\"fs-3\" id=\"opted-out\">1</div>").And.Contain("<div class=\"fs-3\" id=\"requests\">3</div>");
        var (_, list) = await owner.GetAsync("/OptIns");
        list.Should().Contain("HISTORYCO");

        var csv = await owner.Http.GetAsync($"/OptIns/Keywords/Export/{id}");
        csv.StatusCode.Should().Be(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("user_code,keyword,times,date_time_utc");
        lines.Should().HaveCount(4);
        lines[1].Should().StartWith(await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = '+15556660002'") + ",HISTORYCO,1,", "newest first");
        lines.Should().Contain(l => l.StartsWith($"{code},HISTORYCO,2,", StringComparison.Ordinal));
        string.Join('\n', lines).Should().NotContain("555666");
    }

    [Fact]
    public async Task The_history_is_paged_newest_first()
    {
        var (owner, id) = await factory.CompanyWithKeywordAsync("Paging Co", "PAGINGCO");
        for (var i = 0; i < 55; i++)
        {
            await factory.TextAsync($"+1555444{i:0000}", "PAGINGCO");
        }

        var (_, first) = await owner.GetAsync($"/OptIns/Keywords/Details/{id}");
        var older = System.Text.RegularExpressions.Regex.Match(first, "<a [^>]*id=\"older\"[^>]*href=\"([^\"]+before=\\d+)\"|<a [^>]*href=\"([^\"]+before=\\d+)\"[^>]*id=\"older\"");
        older.Success.Should().BeTrue();
        var (_, second) = await owner.GetAsync(WebUtility.HtmlDecode(older.Groups[1].Success ? older.Groups[1].Value : older.Groups[2].Value));

        CountRows(first).Should().Be(50);
        CountRows(second).Should().Be(5);
    }

    private static int CountRows(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<td class=\"font-monospace\">").Count;

    [Fact]
    public async Task Company_A_never_sees_company_Bs_keywords_history_or_export_through_any_route()
    {
        var (ownerA, keywordA) = await factory.CompanyWithKeywordAsync("Tenant A", "TENANTA");
        var (ownerB, keywordB) = await factory.CompanyWithKeywordAsync("Tenant B", "TENANTB");
        await factory.TextAsync("+15553330001", "TENANTB");
        var codeB = await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = '+15553330001'");

        foreach (var url in new[] { $"/OptIns/Keywords/Details/{keywordB}", $"/OptIns/Keywords/Edit/{keywordB}", $"/OptIns/Keywords/Export/{keywordB}", $"/OptIns/Keywords/Details/{keywordB}?before=999999" })
        {
            (await ownerA.Http.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.NotFound, url);
        }

        // Forged posts with B's id, carrying A's own antiforgery token (taken from A's page).
        var edit = await ownerA.PostFormAsync($"/OptIns/Keywords/Edit/{keywordA}", new() { ["Input.Description"] = "x", ["Input.AutoReply"] = "y" });
        edit.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var token = System.Text.RegularExpressions.Regex.Match((await ownerA.GetAsync($"/OptIns/Keywords/Edit/{keywordA}")).Body, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var forgedEdit = await ownerA.Http.PostAsync($"/OptIns/Keywords/Edit/{keywordB}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["Input.Description"] = "hacked", ["Input.AutoReply"] = "hacked",
        }));
        forgedEdit.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var forgedDelete = await ownerA.Http.PostAsync($"/OptIns/Keywords/Edit/{keywordB}?handler=Delete", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        }));
        forgedDelete.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await factory.Database.ScalarAsync<string>("SELECT description FROM optins.keywords WHERE id = @id", ("id", keywordB))).Should().Be("TENANTB deals");
        (await factory.Database.ScalarAsync<bool>("SELECT deleted_at IS NULL FROM optins.keywords WHERE id = @id", ("id", keywordB))).Should().BeTrue();

        var (_, listA) = await ownerA.GetAsync("/OptIns");
        listA.Should().Contain("TENANTA").And.NotContain("TENANTB");
        var (_, detailsA) = await ownerA.GetAsync($"/OptIns/Keywords/Details/{keywordA}");
        detailsA.Should().NotContain(codeB);
        var (_, listB) = await ownerB.GetAsync("/OptIns");
        listB.Should().Contain("TENANTB").And.NotContain("TENANTA");
    }

    [Theory]
    [InlineData("/OptIns")]
    [InlineData("/OptIns/Keywords/Create")]
    public async Task Anonymous_visitors_and_subscribers_cannot_reach_the_company_pages(string path)
    {
        var response = await factory.CreateFormClient().Http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("/Accounts/Login");
    }

    [Fact]
    public async Task Unknown_ids_answer_404_not_500()
    {
        var owner = await factory.RegisterCompanyAsync($"Ids {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@ids.example");

        (await owner.Http.GetAsync($"/OptIns/Keywords/Details/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await owner.Http.GetAsync("/OptIns/Keywords/Details/not-a-guid")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
