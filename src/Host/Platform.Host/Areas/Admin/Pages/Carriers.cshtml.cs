using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Carriers.Runtime;
using Platform.Host.Carriers;

namespace Platform.Host.Areas.Admin.Pages;

/// <summary>
/// Each carrier instance's live state on this node, and the place an admin configures instances (several of
/// one kind are fine), their limits and the routes. A change is validated by the carrier's own factory,
/// stored, applied on this node at once and on the others within ten seconds.
/// </summary>
internal sealed partial class CarriersModel(
    CarrierHost carriers,
    CarrierConfigurationStore store,
    CarrierFactoryCatalog factories,
    LoadedPlugins plugins) : PageModel
{
    /// <summary>Shown instead of a secret setting's value; posting it back keeps the stored value.</summary>
    public const string Masked = "********";

    public IReadOnlyList<RunningCarrier> Instances => carriers.Instances;

    public CarrierOptions Configuration => carriers.Configuration;

    public IReadOnlyList<string> Kinds => carriers.Kinds;

    public LoadedPlugins Plugins => plugins;

    [BindProperty]
    public InstanceInput Instance { get; set; } = new();

    [BindProperty]
    public RouteInput Route { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public void OnGet(string? edit)
    {
        var existing = Configuration.Instances.FirstOrDefault(i => string.Equals(i.Name, edit, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            Instance = new InstanceInput
            {
                Name = existing.Name,
                Kind = existing.Kind,
                Enabled = existing.Enabled,
                MaxPerSecond = existing.MaxPerSecond,
                MaxInFlight = existing.MaxInFlight,
                Settings = string.Join('\n', existing.Settings.Select(s => $"{s.Key}={(IsSecret(s.Key) ? Masked : s.Value)}")),
            };
        }
    }

    public async Task<IActionResult> OnPostSaveInstanceAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        if (!TryValidateModel(Instance, nameof(Instance)))
        {
            return Page();
        }

        if (!factories.TryGet(Instance.Kind, out var factory))
        {
            ModelState.AddModelError("Instance.Kind", $"Choose an installed kind: {string.Join(", ", Kinds)}.");
        }

        var settings = ParseSettings(Instance.Settings);
        if (ModelState.IsValid)
        {
            foreach (var problem in factory.ValidateSettings(settings))
            {
                ModelState.AddModelError("Instance.Settings", problem);
            }
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        await store.SaveInstanceAsync(
            new CarrierInstanceOptions
            {
                Name = Instance.Name.Trim(),
                Kind = factory.Kind,
                Enabled = Instance.Enabled,
                MaxPerSecond = Instance.MaxPerSecond,
                MaxInFlight = Instance.MaxInFlight,
                Settings = settings,
            },
            cancellationToken);
        await carriers.ReloadAsync(cancellationToken);
        Message = $"Carrier {Instance.Name} saved and restarted.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteInstanceAsync(string name, CancellationToken cancellationToken)
    {
        if (Configuration.Instances.All(i => !string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            Message = $"There is no carrier {name}.";
            return RedirectToPage();
        }

        await store.DeleteInstanceAsync(name, cancellationToken);
        await carriers.ReloadAsync(cancellationToken);
        Message = $"Carrier {name} and its routes deleted.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAddRouteAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        if (TryValidateModel(Route, nameof(Route)) &&
            Configuration.Instances.All(i => !string.Equals(i.Name, Route.Instance, StringComparison.OrdinalIgnoreCase)))
        {
            ModelState.AddModelError("Route.Instance", "Choose a configured carrier instance.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        await store.AddRouteAsync(new CarrierRouteOptions { Prefix = Route.Prefix.Trim(), Instance = Route.Instance, Priority = Route.Priority }, cancellationToken);
        await carriers.ReloadAsync(cancellationToken);
        Message = $"Route {Route.Prefix} → {Route.Instance} saved.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteRouteAsync(long id, CancellationToken cancellationToken)
    {
        await store.DeleteRouteAsync(id, cancellationToken);
        await carriers.ReloadAsync(cancellationToken);
        Message = "Route deleted.";
        return RedirectToPage();
    }

    public static bool IsSecret(string key) => SecretKey().IsMatch(key);

    public static string Display(KeyValuePair<string, string> setting) => IsSecret(setting.Key) ? Masked : setting.Value;

    /// <summary>"Key=Value" lines; a masked secret keeps the value already stored.</summary>
    private Dictionary<string, string> ParseSettings(string? text)
    {
        var stored = Configuration.Instances.FirstOrDefault(i => string.Equals(i.Name, Instance.Name, StringComparison.OrdinalIgnoreCase))?.Settings;
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lineNumber = 0;
        foreach (var raw in (text ?? string.Empty).Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                ModelState.AddModelError("Instance.Settings", $"Line {lineNumber} is not Key=Value: \"{line}\".");
                continue;
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            settings[key] = value == Masked && stored is not null && stored.TryGetValue(key, out var kept) ? kept : value;
        }

        return settings;
    }

    [GeneratedRegex("password|secret|token|auth|key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretKey();
}

internal sealed class InstanceInput
{
    [Required(ErrorMessage = "Give the instance a name.")]
    [RegularExpression("^[a-z0-9][a-z0-9-]{1,39}$", ErrorMessage = "Use 2–40 lower-case letters, digits and dashes, like smpp-eu-1.")]
    public string Name { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose the kind of carrier.")]
    public string Kind { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    [Display(Name = "Messages per second (cluster)")]
    [Range(0, 1_000_000, ErrorMessage = "Messages per second is 0 (no limit) to 1,000,000.")]
    public int MaxPerSecond { get; set; }

    [Display(Name = "In flight (per node)")]
    [Range(0, 100_000, ErrorMessage = "In flight is 0 (no limit) to 100,000.")]
    public int MaxInFlight { get; set; }

    [Display(Name = "Settings (Key=Value, one a line)")]
    [StringLength(8000, ErrorMessage = "Settings can have at most 8,000 characters.")]
    public string? Settings { get; set; }
}

internal sealed class RouteInput
{
    [Required(ErrorMessage = "Give the destination prefix, like +44 or + for everything.")]
    [RegularExpression(@"^\+?[0-9]{0,15}$", ErrorMessage = "A prefix is + and up to 15 digits, like +447.")]
    public string Prefix { get; set; } = "+";

    [Required(ErrorMessage = "Choose the carrier instance.")]
    public string Instance { get; set; } = string.Empty;

    [Range(0, 10_000, ErrorMessage = "Priority is 0 to 10,000 (lower goes first).")]
    public int Priority { get; set; } = 100;
}
