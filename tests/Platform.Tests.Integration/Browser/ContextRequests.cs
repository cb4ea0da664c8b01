using Microsoft.Playwright;

namespace Platform.Tests.Integration.Browser;

internal static class ContextRequests
{
    /// <summary>Fetches a link's href with the context's cookies (the browser would show it inline).</summary>
    public static async Task<IAPIResponse> RequestAsync(this IBrowserContext context, ILocator link)
    {
        var href = await link.GetAttributeAsync("href");
        return await context.APIRequest.GetAsync(new Uri(new Uri(link.Page.Url), href).ToString());
    }
}
