using PemCertState.Execution;
using PemCertState.Hosts;
using PemCertState.State;
using Xunit;

namespace PemCertState.Tests.HostAccess;

/// <summary>
/// pemstate's own state files grow with the fleet (a converging apply of 10,000 agents journals ~12.5 MB, issued.jsonl holds
/// ~15 MB after the first): a read that asks for the state bound gets them, while every other managed file keeps the 8 MiB
/// bound, and no read may ask for more than the state bound.
/// </summary>
public sealed class StateFileLimitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pemstate-statelimit-").FullName;
    private readonly LocalHost _host = new("pem", "/");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string FileOf(string name, long size)
    {
        var path = Path.Combine(_root, name);
        using var stream = File.Create(path);
        stream.SetLength(size);
        return path;
    }

    [Theory]
    [InlineData(Journal.FileName)]
    [InlineData(IssuanceRecordFormat.FileName)]
    [InlineData(StateFiles.LoadedName)]
    public async Task A_state_file_past_8_MiB_is_read_with_the_state_bound(string name)
    {
        var size = FileLimits.Managed + 4 * 1024 * 1024;
        var path = FileOf(name, size);

        var snapshot = await _host.ReadAsync(path, FileLimits.State, default);

        Assert.True(snapshot.Exists);
        Assert.Equal(size, snapshot.Content.Length);
    }

    [Fact]
    public async Task A_certificate_past_8_MiB_is_still_refused()
    {
        var path = FileOf("agent.crt", FileLimits.Managed + 1);

        var error = await Assert.ThrowsAsync<HostOperationException>(() => _host.ReadAsync(path, default));

        Assert.Contains($"more than the {FileLimits.Managed} a managed file may hold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_read_goes_past_the_state_bound()
    {
        var path = FileOf(Journal.FileName, FileLimits.State + 1);

        var error = await Assert.ThrowsAsync<HostOperationException>(() => _host.ReadAsync(path, long.MaxValue, default));

        Assert.Contains($"more than the {FileLimits.State} a managed file may hold", error.Message, StringComparison.Ordinal);
    }
}
