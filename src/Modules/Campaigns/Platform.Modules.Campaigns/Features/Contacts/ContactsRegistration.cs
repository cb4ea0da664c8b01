using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>Contact lists, CSV import and export: the services and endpoints of that part of the module.</summary>
internal static class ContactsRegistration
{
    public static IServiceCollection AddContacts(this IServiceCollection services)
    {
        services.AddOptions<ContactsOptions>().BindConfiguration(ContactsOptions.Section);
        services.AddSingleton<ImportFiles>();
        services.AddSingleton<ImportJobs>();
        services.AddScoped<ImportContactsJob>();
        services.AddSingleton<LongestFieldValues>();
        return services;
    }

    /// <summary>The import page's script (served from here: the content security policy allows scripts from this origin only, never inline).</summary>
    public const string ProgressScriptPath = "/campaigns/contacts/import-progress.js";

    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ProgressScriptPath, () => Results.Text(ProgressScript, "text/javascript; charset=utf-8"));
        return endpoints;
    }

    /// <summary>Polls the import's progress and moves the bar; reloads the page when the import has finished.</summary>
    private const string ProgressScript = """
        (function () {
          var root = document.getElementById('import');
          if (!root || root.dataset.finished === 'true') { return; }
          var bar = document.getElementById('import-progress');
          function poll() {
            fetch(root.dataset.progressUrl, { credentials: 'same-origin', cache: 'no-store' })
              .then(function (r) { return r.ok ? r.json() : null; })
              .then(function (p) {
                if (!p) { setTimeout(poll, 2000); return; }
                bar.value = p.percent;
                bar.textContent = p.percent + ' %';
                document.getElementById('import-percent').textContent = p.percent;
                document.getElementById('import-status').textContent = p.status;
                document.getElementById('rows-read').textContent = p.rowsRead;
                if (p.finished) { window.location.reload(); } else { setTimeout(poll, 500); }
              })
              .catch(function () { setTimeout(poll, 2000); });
          }
          poll();
        })();
        """;
}
