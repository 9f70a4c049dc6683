using Microsoft.Playwright;
using PemCertState.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PemCertState.IntegrationTests.Report;

/// <summary>
/// `pemstate report` opened in a real browser: the machine's Chromium (Debian package chromium), driven by Playwright
/// and never a browser Playwright downloads. The page must load from its file alone, without a console error, and show
/// what status says.
/// </summary>
public sealed class ReportBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_report_loads_offline_in_Chromium_with_one_mark_per_certificate_and_the_expired_and_renew_soon_ones_marked()
    {
        // Given a lab with an expired agent (1) and one inside its renewal window (2), and its report written by pemstate
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (scripts/test.sh installs it)");
        using var lab = await ReportLab.ExpiredAndRenewSoonAsync();
        var file = Path.Combine(lab.Root, "pemstate.html");
        var (code, _, stderr) = Pemstate.Run(lab.Root, "report", "--out", file);
        Assert.True(code == 0, stderr);
        var url = new Uri(file).AbsoluteUri;

        // When Chromium opens it
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") errors.Add($"{message.Type}: {message.Text}"); };
        page.PageError += (_, error) => errors.Add($"page error: {error}");
        page.Request += (_, request) => requests.Add(request.Url);
        var response = await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.NetworkIdle });

        // Then it loaded from the file alone, without an error
        Assert.NotNull(response);
        Assert.Empty(errors);
        Assert.Equal([url], requests);
        // and the timeline has one mark per certificate, each drawn
        var marks = page.Locator("svg.chart g.m");
        Assert.Equal(ReportLab.Certificates, await marks.CountAsync());
        for (var i = 0; i < ReportLab.Certificates; i++)
            Assert.True(await marks.Nth(i).BoundingBoxAsync() is { Width: > 0, Height: > 0 }, $"mark {i} is not drawn");
        // and the expired and renew-soon ones are marked as such, in their class, their words on the page and their title
        var expired = page.Locator("svg.chart g.m.expired");
        Assert.Equal(1, await expired.CountAsync());
        Assert.StartsWith("agent[1].certificate on pem: expired", await expired.Locator("title").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("expired", await expired.Locator("text.s").TextContentAsync());
        var soon = page.Locator("svg.chart g.m.soon");
        Assert.Equal(1, await soon.CountAsync());
        Assert.StartsWith("agent[2].certificate on pem: renew soon", await soon.Locator("title").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("renew soon", await soon.Locator("text.s").TextContentAsync());
        Assert.Equal(ReportLab.Certificates - 2, await page.Locator("svg.chart g.m.ok").CountAsync());
        // and the chart has a text alternative a screen reader finds: a named image, and the table with every certificate
        var chart = page.GetByRole(AriaRole.Img, new() { Name = "Validity of 5 certificates issued by /C=IN/ST=MH/L=Pune/O=PEM/CN=pem-ca", Exact = true });
        Assert.Equal(1, await chart.CountAsync());
        Assert.Equal("expired", (await page.Locator("#certificates tr.expired td").Last.TextContentAsync())?.Trim());
        Assert.Equal(ReportLab.Certificates, await page.Locator("#certificates tbody tr").CountAsync());
        // and a screenshot is kept for people to look at
        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is empty");
        output.WriteLine($"screenshot: {screenshot}");
    }
}
