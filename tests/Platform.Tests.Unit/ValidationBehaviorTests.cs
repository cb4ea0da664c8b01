using System.ComponentModel.DataAnnotations;
using MediatR;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Tests.Unit;

public sealed class ValidationBehaviorTests
{
    private sealed class Probe : IRequest<int>
    {
        [Required(ErrorMessage = "Name is needed.")]
        public string? Name { get; set; }

        public int Age { get; set; }
    }

    private sealed class AdultProbeValidator : IRequestValidator<Probe>
    {
        public IEnumerable<ValidationError> Validate(Probe request)
        {
            if (request.Age < 18)
            {
                yield return new ValidationError(nameof(Probe.Age), "Must be 18 or over.");
            }
        }
    }

    [Fact]
    public async Task Invalid_request_never_reaches_the_handler_and_reports_every_problem()
    {
        var behavior = new ValidationBehavior<Probe, int>([new AdultProbeValidator()]);
        var handlerCalled = false;

        var act = () => behavior.Handle(new Probe { Age = 12 }, CancellationToken.None, () =>
        {
            handlerCalled = true;
            return Task.FromResult(1);
        });

        var thrown = await act.Should().ThrowAsync<RequestValidationException>();
        thrown.Which.Errors.Should().BeEquivalentTo(new[]
        {
            new ValidationError("Name", "Name is needed."),
            new ValidationError("Age", "Must be 18 or over."),
        });
        handlerCalled.Should().BeFalse();
    }

    [Fact]
    public async Task Valid_request_goes_through()
    {
        var behavior = new ValidationBehavior<Probe, int>([new AdultProbeValidator()]);
        var result = await behavior.Handle(new Probe { Name = "Ann", Age = 30 }, CancellationToken.None, () => Task.FromResult(42));
        result.Should().Be(42);
    }

    [Fact]
    public void Registration_rules_catch_mismatched_confirmation_bad_mobile_and_unknown_sector()
    {
        var errors = new RegisterCompanyValidator().Validate(new RegisterCompany
        {
            Password = "Secret12345",
            ConfirmPassword = "Secret12346",
            MobileNumber = "12345",
            MarketSector = "Piracy",
            Country = "Atlantis",
        }).Select(e => e.Field).ToList();

        errors.Should().BeEquivalentTo(["ConfirmPassword", "MobileNumber", "MarketSector", "Country"]);
    }

    [Theory]
    [InlineData("US", "(555) 777-0099")]
    [InlineData("GB", "07700 900123")]
    [InlineData("GB", "+1 555 777 0099")]
    public void Registration_reads_the_mobile_number_in_the_company_country(string country, string mobile)
    {
        new RegisterCompanyValidator().Validate(new RegisterCompany { Country = country, MobileNumber = mobile }).Should().BeEmpty();
    }
}
