using System.Text.Json;
using System.Text.Json.Nodes;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Features;

/// <summary>The directories of people (Accounts, OptIns) and every module's contributor, called together.</summary>
internal sealed class DataSubjects(IEnumerable<IDataSubjectDirectory> directories, IEnumerable<IPersonalDataContributor> contributors, IMediator mediator)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file download, never put into HTML
    };

    public IReadOnlyList<IPersonalDataContributor> Contributors { get; } = contributors.OrderBy(c => c.Module, StringComparer.Ordinal).ToList();

    public IDataSubjectDirectory Directory(DataSubjectKind kind) =>
        directories.FirstOrDefault(d => d.Kind == kind) ?? throw new InvalidOperationException($"No module registers the directory of {kind} accounts.");

    public Task<DataSubject?> FindAsync(DataSubjectKind kind, Guid id, CancellationToken ct) => Directory(kind).FindAsync(id, ct);

    /// <summary>Every module's part, keyed by module, as one machine-readable JSON document.</summary>
    public async Task<byte[]> ExportJsonAsync(DataSubject subject, DateTimeOffset at, CancellationToken ct)
    {
        var parts = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var contributor in Contributors)
        {
            parts[contributor.Module] = await contributor.ExportAsync(subject, ct);
        }

        var document = JsonSerializer.SerializeToNode(
            new
            {
                exportedAt = at,
                subject = new { kind = subject.Kind.ToString(), id = subject.Id, email = subject.Email, phone = subject.Phone },
                modules = parts,
            },
            Json)!;
        await NameCompaniesAsync(document, ct);
        return JsonSerializer.SerializeToUtf8Bytes(document, Json);
    }

    /// <summary>
    /// Every object in the export that names a company by id gets its name beside it (<c>companyName</c>), so the person
    /// can tell who holds what: one place for every module's part, the names from Accounts in one query.
    /// </summary>
    private async Task NameCompaniesAsync(JsonNode document, CancellationToken ct)
    {
        var holders = new List<(JsonObject Holder, Guid CompanyId)>();
        Collect(document, holders);
        if (holders.Count == 0)
        {
            return;
        }

        var names = (await mediator.Send(new GetCompanies(holders.Select(h => h.CompanyId).Distinct().ToList()), ct)).ToDictionary(c => c.Id, c => c.Name);
        foreach (var (holder, companyId) in holders)
        {
            holder["companyName"] = names.TryGetValue(companyId, out var name) ? name : "(a company that no longer exists)";
        }
    }

    private static void Collect(JsonNode? node, List<(JsonObject, Guid)> holders)
    {
        switch (node)
        {
            case JsonObject item:
                if (item["companyId"] is JsonValue value && value.TryGetValue<string>(out var text) && Guid.TryParse(text, out var id))
                {
                    holders.Add((item, id));
                }

                foreach (var (_, child) in item.ToList())
                {
                    Collect(child, holders);
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    Collect(child, holders);
                }

                break;
        }
    }
}

/// <summary>"Download my data": the JSON export, logged in privacy.requests.</summary>
internal sealed record ExportMyData(DataSubjectKind Kind, Guid SubjectId) : IRequest<byte[]?>;

internal sealed class ExportMyDataHandler(DataSubjects subjects, PrivacyDbContext db, TimeProvider clock) : IRequestHandler<ExportMyData, byte[]?>
{
    public async Task<byte[]?> Handle(ExportMyData request, CancellationToken cancellationToken)
    {
        if (await subjects.FindAsync(request.Kind, request.SubjectId, cancellationToken) is not { } subject)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var json = await subjects.ExportJsonAsync(subject, now, cancellationToken);
        db.Requests.Add(new PrivacyRequest
        {
            Id = Guid.CreateVersion7(),
            SubjectKind = request.Kind.ToString(),
            SubjectId = request.SubjectId,
            Kind = RequestKinds.Export,
            RequestedAt = now,
            CompletedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return json;
    }
}

/// <summary>"Erase my account": the password again, then every module erases; the outcome says what was kept and why.</summary>
internal sealed class EraseMyAccount : IRequest<IReadOnlyList<ErasureOutcome>>
{
    public DataSubjectKind Kind { get; set; }

    public Guid SubjectId { get; set; }

    [System.ComponentModel.DataAnnotations.Required(ErrorMessage = "Enter your password to confirm.")]
    public string Password { get; set; } = string.Empty;

    [System.ComponentModel.DataAnnotations.Range(typeof(bool), "true", "true", ErrorMessage = "Tick the box to confirm that you want your account erased.")]
    public bool Confirm { get; set; }
}

internal sealed class EraseMyAccountHandler(DataSubjects subjects, PrivacyDbContext db, TimeProvider clock) : IRequestHandler<EraseMyAccount, IReadOnlyList<ErasureOutcome>>
{
    public async Task<IReadOnlyList<ErasureOutcome>> Handle(EraseMyAccount request, CancellationToken cancellationToken)
    {
        var directory = subjects.Directory(request.Kind);
        var subject = await directory.FindAsync(request.SubjectId, cancellationToken);
        if (subject is null || !await directory.CheckPasswordAsync(request.SubjectId, request.Password, cancellationToken))
        {
            throw new RequestValidationException(nameof(request.Password), "That password is not right. Nothing has been erased.");
        }

        var entry = new PrivacyRequest
        {
            Id = Guid.CreateVersion7(),
            SubjectKind = request.Kind.ToString(),
            SubjectId = request.SubjectId,
            Kind = RequestKinds.Erasure,
            RequestedAt = clock.GetUtcNow(),
        };
        db.Requests.Add(entry);
        await db.SaveChangesAsync(cancellationToken);

        // The account's own module goes last, so the others still find the person while they erase.
        var outcomes = new List<ErasureOutcome>();
        foreach (var contributor in subjects.Contributors.OrderBy(c => c.Module == (request.Kind == DataSubjectKind.BusinessUser ? "Accounts" : "OptIns")))
        {
            outcomes.Add(await contributor.EraseAsync(subject, cancellationToken));
        }

        entry.CompletedAt = clock.GetUtcNow();
        entry.Outcome = JsonSerializer.Serialize(outcomes, DataSubjects.Json);
        await db.SaveChangesAsync(cancellationToken);
        return outcomes;
    }
}

/// <summary>The Privacy module's own part: consents, requests, audit entries about the person.</summary>
internal sealed class PrivacyContributor(PrivacyDbContext db) : IPersonalDataContributor
{
    public string Module => PrivacyModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        var consents = db.MarketingConsents.Where(c => c.SubjectId == subject.Id).OrderBy(c => c.Id)
            .Select(c => new { c.Channel, c.Granted, c.Source, c.RecordedAt });
        var requests = db.Requests.Where(r => r.SubjectId == subject.Id).OrderBy(r => r.RequestedAt)
            .Select(r => new { r.Kind, r.RequestedAt, r.CompletedAt });
        // Views for a legal disclosure are left out: the law may forbid telling the person about the request.
        var views = db.StaffAccesses.Where(s => s.SubjectId == subject.Id && !s.Reason.StartsWith("Legal disclosure")).OrderBy(s => s.Id)
            .Select(s => new { s.Reason, s.At });
        var newsletters = from r in db.NewsletterRecipients
                          join n in db.Newsletters on r.NewsletterId equals n.Id
                          where r.SubjectId == subject.Id
                          orderby r.ClaimedAt
                          select new { n.Subject, r.Channel, r.Address, r.SentAt, r.UnsubscribedAt };
        return new
        {
            newsletterConsents = await consents.ToListAsync(ct),
            newslettersSent = await newsletters.ToListAsync(ct),
            requests = await requests.ToListAsync(ct),
            staffViews = await views.ToListAsync(ct),
        };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        var erased = await db.MarketingConsents.Where(c => c.SubjectId == subject.Id).ExecuteDeleteAsync(ct)
                     + await db.NewsletterRecipients.Where(r => r.SubjectId == subject.Id).ExecuteDeleteAsync(ct);
        return new ErasureOutcome(Module, erased,
        [
            "A log of this erasure request (its date and which modules erased what, none of your details), to show that we carried it out.",
            "Records of staff views of your account and of legal disclosures, if any: the law requires us to keep them.",
        ]);
    }
}
