using PemCertState.Rendering;
using Xunit;

namespace PemCertState.Tests.Rendering;

/// <summary>A saved plan is untrusted input: its size and nesting are bounded before it is parsed.</summary>
[Trait("Category", "Unit")]
public sealed class PlanJsonReaderBoundsTests
{
    [Fact]
    public async Task A_plan_file_over_64_MiB_is_refused_without_reading_it_whole()
    {
        // Given a 65 MiB file given as a plan
        var path = Path.GetTempFileName();
        try
        {
            await using (var file = File.OpenWrite(path)) file.SetLength(65L * 1024 * 1024);

            // When it is read
            var before = GC.GetAllocatedBytesForCurrentThread();
            var error = await Assert.ThrowsAsync<FormatException>(() => PlanJsonReader.ReadFileAsync(path, CancellationToken.None));

            // Then it is refused for its size, having read no more than the bound
            Assert.Equal("the plan is larger than 67108864 bytes (64 MiB); a pemstate plan is far smaller, so this is not one", error.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 300L * 1024 * 1024);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_plan_nested_deeper_than_64_is_refused_with_its_position()
    {
        // Given 100,000 nested arrays
        var json = new string('[', 100_000) + new string(']', 100_000);

        // When it is read
        var error = Assert.Throws<FormatException>(() => PlanJsonReader.Read(json));

        // Then the reader stops at the bound and says where
        Assert.StartsWith("not a JSON plan: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("depth", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("LineNumber: 0 | BytePositionInLine: 64", error.Message, StringComparison.Ordinal);
    }
}
