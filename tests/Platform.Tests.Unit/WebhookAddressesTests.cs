using System.Net;
using Platform.Modules.Campaigns.Features.Api;

namespace Platform.Tests.Unit;

public sealed class WebhookAddressesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.10")]
    [InlineData("192.0.0.8")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("fc12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    public void Loopback_private_link_local_shared_and_reserved_addresses_are_not_public(string address) =>
        WebhookAddresses.IsPublic(IPAddress.Parse(address)).Should().BeFalse();

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.215.14")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.4.4")]
    [InlineData("64:ff9b::808:808")]
    public void Addresses_on_the_internet_are_public(string address) =>
        WebhookAddresses.IsPublic(IPAddress.Parse(address)).Should().BeTrue();

    [Theory]
    [InlineData("https://localhost/hook", true)]
    [InlineData("https://api.localhost/hook", true)]
    [InlineData("https://10.0.0.1/hook", true)]
    [InlineData("https://[fd00::5]/hook", true)]
    [InlineData("https://hooks.example.com/sms", false)]
    [InlineData("https://203.0.113.9/hook", false)]
    public void A_saved_URL_is_refused_when_its_host_is_a_local_name_or_a_non_public_address(string url, bool refused) =>
        (WebhookAddresses.Problem(new Uri(url)) is not null).Should().Be(refused);
}
