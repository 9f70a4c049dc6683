using PemCertState.Inventory;

namespace PemCertState.Tests.Support;

/// <summary>Addresses as the plan writes them, for assertions that read like the plan.</summary>
internal static class AddressTexts
{
    public static List<string> Texts(this IEnumerable<ResourceAddress> addresses) => [.. addresses.Select(a => a.ToString())];
}
