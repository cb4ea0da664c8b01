namespace Platform.Modules.Shared;

/// <summary>
/// Someone outside the platform who receives personal data so that the service works (a processor): a carrier, the payment
/// provider, the mail server. The privacy policy lists every recipient every source names, from the running configuration,
/// so a carrier added by an admin is named in the policy at once.
/// </summary>
/// <param name="Name">Who: "SMPP carrier 'smsc'", "Stripe (payments)".</param>
/// <param name="Receives">What they receive.</param>
/// <param name="Why">What for.</param>
/// <param name="Scope">For which data: the numbers routed to a carrier ("+44", "every number"), or whom it concerns.</param>
public sealed record DataRecipient(string Name, string Receives, string Why, string Scope);

/// <summary>Names the recipients of one part of the platform (the host's carriers and mail server, Billing's payment provider).</summary>
public interface IDataRecipientSource
{
    Task<IReadOnlyList<DataRecipient>> RecipientsAsync(CancellationToken cancellationToken);
}
