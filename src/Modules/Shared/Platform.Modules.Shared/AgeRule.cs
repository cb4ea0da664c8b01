namespace Platform.Modules.Shared;

/// <summary>
/// The one age rule (ADR 30): nobody under 18 gives the platform personal data — business users and end users alike, as the
/// SMSstream policy the product started from says. The web registrations enforce it; an SMS cannot check an age, so the first
/// reply to a new number states it; the privacy policy states it once, from here.
/// </summary>
public static class AgeRule
{
    public const int Minimum = 18;

    /// <summary>The business registration's box and its refusal (attribute arguments, so constants spelling out <see cref="Minimum"/>).</summary>
    public const string BusinessConfirmation = "I am 18 or over";

    public const string BusinessRefusal = "You must be 18 or over to register a company.";

    /// <summary>What the first SMS reply to a new number adds (short: it shares the message with the user code).</summary>
    public static string SmsNotice => $"{Minimum}+ only.";

    /// <summary>The rule as the privacy policy states it.</summary>
    public static string PolicyStatement =>
        $"Nobody under {Minimum} may give us personal data. Business registration asks you to confirm you are {Minimum} or over; " +
        $"the end-user registration asks your date of birth, refuses anyone under {Minimum} and keeps nothing they typed (the date " +
        $"itself is never stored). A text message cannot show an age, so our first reply to a new number says the service is for " +
        $"people of {Minimum} and over. Anyone can always reply STOP.";
}
