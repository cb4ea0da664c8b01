using MediatR;

namespace Platform.Modules.Privacy.Contracts;

/// <summary>The two kinds of people who hold an account: a company's user, or an end user (subscriber).</summary>
public enum DataSubjectKind
{
    BusinessUser,
    Subscriber,
}

/// <summary>
/// A person whose data is exported or erased. <see cref="Id"/> is the Accounts user id for a business user and the
/// OptIns subscriber id for a subscriber; <see cref="CompanyId"/> is the business user's company (null otherwise).
/// </summary>
public sealed record DataSubject(DataSubjectKind Kind, Guid Id, string? Email, string? Phone, Guid? CompanyId = null);

/// <summary>What one module did on an erasure: how many rows it deleted or anonymised, and what it kept and why.</summary>
public sealed record ErasureOutcome(string Module, int Erased, IReadOnlyList<string> KeptAndWhy)
{
    public static ErasureOutcome Nothing(string module) => new(module, 0, []);
}

/// <summary>
/// Every module that stores personal data implements this once and registers it explicitly in its own
/// <c>Add&lt;Module&gt;()</c> (<c>services.AddScoped&lt;IPersonalDataContributor, …&gt;()</c>). The Privacy module calls
/// all of them for "Download my data", "Erase my account" and approved legal disclosures.
/// </summary>
public interface IPersonalDataContributor
{
    /// <summary>The module's name, the key of its part of the export.</summary>
    string Module { get; }

    /// <summary>Everything the module holds about the person, JSON-serialisable; null when it holds nothing.</summary>
    Task<object?> ExportAsync(DataSubject subject, CancellationToken ct);

    /// <summary>
    /// Deletes or anonymises what the module holds about the person. What must be kept is kept minimised and named in
    /// <see cref="ErasureOutcome.KeptAndWhy"/>. Must be safe to run twice.
    /// </summary>
    Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct);
}

/// <summary>
/// Finds the person behind an account, implemented by the module that owns that kind of account (Accounts for business
/// users, OptIns for subscribers) and registered in its <c>Add&lt;Module&gt;()</c>.
/// </summary>
public interface IDataSubjectDirectory
{
    DataSubjectKind Kind { get; }

    /// <summary>The person with that id, or null.</summary>
    Task<DataSubject?> FindAsync(Guid id, CancellationToken ct);

    /// <summary>The people with these ids that exist, in one query (a newsletter batch); unknown ids are left out.</summary>
    Task<IReadOnlyList<DataSubject>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    /// <summary>The person with that email address or mobile number (for legal disclosures), or null.</summary>
    Task<DataSubject?> FindByContactAsync(string emailOrPhone, CancellationToken ct);

    /// <summary>True when the password is the person's current one (erasure asks for it again).</summary>
    Task<bool> CheckPasswordAsync(Guid id, string password, CancellationToken ct);
}

/// <summary>Records that a member of platform staff looked at a person's data, and why. Every such view is audited.</summary>
public sealed record RecordStaffAccess(Guid StaffUserId, DataSubjectKind SubjectKind, Guid SubjectId, string Reason) : IRequest<Unit>;

/// <summary>One page view as the host saw it, already reduced: no full IP, no cookie, no user id.</summary>
public sealed record PageView(DateOnly Day, string Path, string Browser, string OperatingSystem, string? ReferrerHost, string NetworkPrefix);

/// <summary>Collects page views for the non-personal visitor statistics (the host's middleware calls it).</summary>
public interface IPageViewRecorder
{
    void Record(PageView view);

    /// <summary>Writes what was collected so far (also done every few seconds in the background).</summary>
    Task FlushAsync(CancellationToken ct);
}

/// <summary>
/// The one-click unsubscribe link (site-relative) to put in a newsletter or product update sent to that person on that
/// channel ("email" or "sms"). It works without signing in; the token is signed, so it cannot be forged or altered.
/// </summary>
public sealed record CreateUnsubscribeLink(DataSubjectKind Kind, Guid SubjectId, string Channel) : IRequest<string>;

/// <summary>
/// A bare STOP from <paramref name="Phone"/> (OptIns' inbound path): when the platform sent that number a newsletter SMS
/// within the look-back, the business users it went to stop getting newsletters by SMS. Answers whether it stopped any,
/// so the STOP's one confirmation can say so.
/// </summary>
public sealed record StopNewsletterSms(string Phone, DateTimeOffset At) : IRequest<bool>;
