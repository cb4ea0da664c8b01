using Platform.Host;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformHost();

var app = builder.Build();
await app.PrepareDatabaseAsync(seedDemo: args.Contains("--seed-demo"));
app.UsePlatformPipeline();
await app.RunAsync();

/// <summary>The entry point; public so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program;
