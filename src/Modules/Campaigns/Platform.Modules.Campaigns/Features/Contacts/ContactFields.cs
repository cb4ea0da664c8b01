using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>
/// The rules of the company's own contact fields (ADR 31), one home for the form, the contact page and the import:
/// what a key may be, and what a value of each kind may be and how it is stored (the text a message renders).
/// </summary>
internal static partial class ContactFieldRules
{
    public const int MaxKeyLength = 40;

    public const int MaxValueLength = 200;

    public const int MaxFieldsPerCompany = 50;

    /// <summary>The names the platform already gives a meaning to (columns of a contact, its own placeholder): never a field's key.</summary>
    public static readonly IReadOnlyList<string> Reserved = ["first_name", "last_name", "phone", "time_zone", "consent", "id", "fields"];

    /// <summary>Null when <paramref name="key"/> can name a new field; otherwise what is wrong, as the form says it.</summary>
    public static string? KeyProblem(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "Give the field a key, for example city: it is how a message names it ({city}).";
        }

        if (Reserved.Contains(key.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            return $"\"{key.Trim()}\" is one of the platform's own names ({string.Join(", ", Reserved)}). Choose another key, for example my_{key.Trim().ToLowerInvariant()}.";
        }

        return KeyPattern().IsMatch(key.Trim())
            ? null
            : $"\"{Shorten(key.Trim())}\" cannot be a key: use lower-case letters a–z, digits and underscores, starting with a letter, at most {MaxKeyLength} characters (for example loyalty_tier).";
    }

    /// <summary>A key made from a CSV column's header ("Loyalty Tier" → loyalty_tier); null when nothing usable is left or it is reserved.</summary>
    public static string? KeyFrom(string header)
    {
        var key = NotKeyCharacters().Replace(header.Trim().ToLowerInvariant(), "_").Trim('_');
        if (key.Length > 0 && !char.IsAsciiLetterLower(key[0]))
        {
            key = "f_" + key;
        }

        key = key.Length > MaxKeyLength ? key[..MaxKeyLength].TrimEnd('_') : key;
        return KeyProblem(key) is null ? key : null;
    }

    /// <summary>
    /// Checks <paramref name="raw"/> against the field's kind. Answers the value as stored (numbers in invariant form,
    /// dates as YYYY-MM-DD, a choice as the company wrote it; null for an empty value, which removes it), or the problem.
    /// </summary>
    public static (string? Value, string? Problem) Clean(ContactField field, string? raw)
    {
        var value = ContactRules.Clean(raw);
        if (value is null)
        {
            return (null, null);
        }

        if (value.Length > MaxValueLength)
        {
            return (null, $"{field.Label} can have at most {MaxValueLength} characters.");
        }

        switch (field.Kind)
        {
            case ContactFieldKinds.Number:
                return decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                    ? (number.ToString(CultureInfo.InvariantCulture), null)
                    : (null, $"{field.Label}: \"{Shorten(value)}\" is not a number. Write digits with a point for decimals, for example 12.50.");
            case ContactFieldKinds.Date:
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? (date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null)
                    : (null, $"{field.Label}: \"{Shorten(value)}\" is not a date. Write it as YYYY-MM-DD, for example 2026-05-31.");
            case ContactFieldKinds.Choice:
                return field.Choices.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase)) is { } choice
                    ? (choice, null)
                    : (null, $"{field.Label}: \"{Shorten(value)}\" is not one of its choices ({string.Join(", ", field.Choices)}).");
            default:
                return (value, null);
        }
    }

    /// <summary>"gold, Silver,,gold" → ["gold", "Silver"]: trimmed, empty and repeated (any case) dropped.</summary>
    public static string[] TidyChoices(string? choices) =>
        (choices ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotKeyCharacters();
}

/// <summary>A contact's (or a message's) field values: one JSON object of strings, read and written here only.</summary>
internal static class ContactFieldValues
{
    public static IReadOnlyDictionary<string, string> Parse(string? json)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return values;
        }

        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Null)
            {
                // Written as strings; anything else (a value set by hand in SQL) is rendered as its JSON text.
                values[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        return values;
    }

    /// <summary>
    /// The values of <paramref name="keys"/> in a contact's field JSON, into <paramref name="values"/> (null where absent or
    /// JSON null): for those keys what <see cref="Parse"/> gives, read without building a document or a dictionary — the
    /// sender reads one per message (<see cref="Sending.CampaignText"/>).
    /// </summary>
    public static void Read(string? json, ReadOnlySpan<string> keys, Span<string?> values)
    {
        values.Clear();
        if (string.IsNullOrEmpty(json) || keys.Length == 0)
        {
            return;
        }

        byte[]? rented = null;
        var most = Encoding.UTF8.GetMaxByteCount(json.Length);
        Span<byte> buffer = most <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(most));
        try
        {
            var utf8 = buffer[..Encoding.UTF8.GetBytes(json, buffer)];
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A contact's fields are a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var slot = -1;
                for (var i = 0; i < keys.Length && slot < 0; i++)
                {
                    slot = reader.ValueTextEquals(keys[i]) ? i : -1;
                }

                reader.Read();
                if (slot < 0 || reader.TokenType == JsonTokenType.Null)
                {
                    reader.Skip();
                    continue;
                }

                // As Parse: a string as its value, anything else (set by hand in SQL) as its JSON text; the last of a repeated key wins.
                values[slot] = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.StartObject or JsonTokenType.StartArray => RawText(ref reader, utf8),
                    _ => Encoding.UTF8.GetString(reader.ValueSpan),
                };
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string RawText(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(utf8[start..(int)reader.BytesConsumed]);
    }

    /// <summary>The JSON object of the values, or null when there are none (the column's "no fields").</summary>
    public static string? ToJson(IReadOnlyDictionary<string, string> values) =>
        values.Count == 0 ? null : JsonSerializer.Serialize(values);
}

internal static class ContactFieldQueries
{
    /// <summary>The company's fields by key (a handful: read whole, on the pages and handlers that need them).</summary>
    public static async Task<IReadOnlyList<ContactField>> ContactFieldsOfAsync(this CampaignsDbContext db, Guid companyId, CancellationToken cancellationToken) =>
        await db.ContactFields.AsNoTracking().Where(f => f.CompanyId == companyId).OrderBy(f => f.Key).ToListAsync(cancellationToken);

    public static async Task<IReadOnlyList<string>> ContactFieldKeysAsync(this CampaignsDbContext db, Guid companyId, CancellationToken cancellationToken) =>
        await db.ContactFields.AsNoTracking().Where(f => f.CompanyId == companyId).OrderBy(f => f.Key).Select(f => f.Key).ToListAsync(cancellationToken);

    /// <summary>
    /// Refuses a text whose placeholders are not <c>{first_name}</c> or one of the company's fields, every problem at
    /// once. In the handlers, not the validators: which placeholders exist is the company's data (the validators are
    /// synchronous and see no database).
    /// </summary>
    public static async Task RequireKnownPlaceholdersAsync(this CampaignsDbContext db, Guid companyId, string body, string property, CancellationToken cancellationToken)
    {
        if (MessageTemplate.FieldsIn(body).Count == 0)
        {
            return;
        }

        var problems = MessageTemplate.PlaceholderProblems(body, await db.ContactFieldKeysAsync(companyId, cancellationToken))
            .Select(problem => new ValidationError(property, problem)).ToList();
        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }
    }
}

/// <summary>The signed-in company's contact fields.</summary>
internal sealed record ListContactFields : IRequest<IReadOnlyList<ContactField>>;

internal sealed class ListContactFieldsHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListContactFields, IReadOnlyList<ContactField>>
{
    public Task<IReadOnlyList<ContactField>> Handle(ListContactFields request, CancellationToken cancellationToken) =>
        db.ContactFieldsOfAsync(tenant.RequireCompanyId(), cancellationToken);
}

/// <summary>A new contact field of the signed-in company; answers its id.</summary>
internal sealed class AddContactField : IRequest<Guid>
{
    [Display(Name = "Key (used in messages as {key})")]
    public string Key { get; set; } = string.Empty;

    [Required(ErrorMessage = "Give the field a label, for example City.")]
    [StringLength(100, ErrorMessage = "The label can have at most 100 characters.")]
    public string Label { get; set; } = string.Empty;

    public string Kind { get; set; } = ContactFieldKinds.Text;

    [StringLength(1000, ErrorMessage = "The choices can have at most 1,000 characters together.")]
    [Display(Name = "Choices (for a choice field, separated by commas)")]
    public string? Choices { get; set; }
}

internal sealed class AddContactFieldValidator : IRequestValidator<AddContactField>
{
    public IEnumerable<ValidationError> Validate(AddContactField request)
    {
        if (ContactFieldRules.KeyProblem(request.Key) is { } problem)
        {
            yield return new ValidationError(nameof(request.Key), problem);
        }

        if (!ContactFieldKinds.All.Contains(request.Kind))
        {
            yield return new ValidationError(nameof(request.Kind), "Choose what the field holds: text, a number, a date or one of a few choices.");
        }
        else if (request.Kind == ContactFieldKinds.Choice && ContactFieldRules.TidyChoices(request.Choices).Length < 2)
        {
            yield return new ValidationError(nameof(request.Choices), "A choice field needs at least two choices, separated by commas (for example gold, silver, bronze).");
        }
    }
}

internal sealed class AddContactFieldHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<AddContactField, Guid>
{
    public async Task<Guid> Handle(AddContactField request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var key = request.Key.Trim();
        var existing = await db.ContactFieldKeysAsync(companyId, cancellationToken);
        if (existing.Contains(key))
        {
            throw new RequestValidationException(nameof(request.Key), $"You already have a field {{{key}}}.");
        }

        if (existing.Count >= ContactFieldRules.MaxFieldsPerCompany)
        {
            throw new RequestValidationException(nameof(request.Key), $"A company can have at most {ContactFieldRules.MaxFieldsPerCompany} contact fields. Delete one you no longer use first.");
        }

        var field = new ContactField
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            CompanyId = companyId,
            Key = key,
            Label = request.Label.Trim(),
            Kind = request.Kind,
            Choices = request.Kind == ContactFieldKinds.Choice ? ContactFieldRules.TidyChoices(request.Choices) : [],
            CreatedAt = clock.GetUtcNow(),
        };
        db.ContactFields.Add(field);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestValidationException(nameof(request.Key), $"You already have a field {{{key}}}."); // added meanwhile by a colleague
        }

        return field.Id;
    }
}

/// <summary>Deletes one of the company's fields and its values on every contact (one statement); a text that still uses it renders its fallback.</summary>
internal sealed record DeleteContactField(Guid Id) : IRequest<bool>;

internal sealed class DeleteContactFieldHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<DeleteContactField, bool>
{
    public async Task<bool> Handle(DeleteContactField request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var key = await db.ContactFields.Where(f => f.Id == request.Id && f.CompanyId == companyId).Select(f => f.Key).SingleOrDefaultAsync(cancellationToken);
        if (key is null)
        {
            return false;
        }

        await db.ContactFields.Where(f => f.Id == request.Id && f.CompanyId == companyId).ExecuteDeleteAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE campaigns.contacts SET fields = nullif(fields - {key}, '{{}}'::jsonb) WHERE company_id = {companyId} AND fields ? {key}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}

/// <summary>
/// The longest value of each of some contact fields among a company's contacts on some lists (all its lists when none
/// is given): one aggregate statement over the contacts (<see cref="LongestValue"/>, as preparation measures the
/// audience), remembered for a few seconds so a composer typing over a million contacts does not scan them per key
/// press; preparation measures again exactly when it builds the audience.
/// </summary>
internal sealed class LongestFieldValues(CampaignsDataSource data, IMemoryCache cache)
{
    private static readonly TimeSpan Remembered = TimeSpan.FromSeconds(20);

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(Guid companyId, IReadOnlyList<Guid> listIds, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var lists = listIds.Distinct().Order().ToArray();
        var cacheKey = $"campaigns.longest-fields:{companyId}:{string.Join(',', lists)}:{string.Join(',', keys)}";
        if (cache.TryGetValue(cacheKey, out IReadOnlyDictionary<string, string>? known) && known is not null)
        {
            return known;
        }

        await using var command = data.Source.CreateCommand($"""
            SELECT {string.Join(", ", keys.Select(k => LongestValue.Sql($"(fields ->> {Sql.Literal(k)})")))}
            FROM campaigns.contacts
            WHERE company_id = @company AND fields IS NOT NULL AND (cardinality(@lists) = 0 OR list_id = ANY (@lists))
            """);
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("lists", lists);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                for (var i = 0; i < keys.Count; i++)
                {
                    if (!reader.IsDBNull(i) && LongestValue.Read(reader.GetString(i)) is { } value)
                    {
                        values[keys[i]] = value;
                    }
                }
            }
        }

        cache.Set(cacheKey, (IReadOnlyDictionary<string, string>)values, Remembered);
        return values;
    }
}
