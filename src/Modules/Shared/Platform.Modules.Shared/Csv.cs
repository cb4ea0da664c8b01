using System.Globalization;

namespace Platform.Modules.Shared;

/// <summary>CSV cells that a spreadsheet will never run as a formula (every module's CSV export uses these).</summary>
public static class Csv
{
    /// <summary>Prefixes a quote when the cell starts with = + - @ tab or CR, then quotes it when needed.</summary>
    public static string Cell(string? value)
    {
        value ??= string.Empty;
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    public static string Line(params string?[] cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
