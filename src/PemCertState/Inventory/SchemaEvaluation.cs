using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace PemCertState.Inventory;

/// <summary>
/// The schema's evaluation of one inventory, under way on another core while the rules resolve it on the caller's.
/// The caller's thread meets no JsonSchema.Net type until <see cref="Explain"/>: the first touch of that assembly runs
/// its module initializer (every dialect and meta-schema built, about 85 ms of a start), and a thread that touched it
/// would wait there for the one already running it (<see cref="Prepare"/>) instead of reading YAML.
/// </summary>
internal sealed class SchemaEvaluation
{
    private readonly Task _evaluation;
    private EvaluationResults? _results;

    private static Task? _preparing;

    /// <summary>
    /// Builds the schema on another core, once: JsonSchema.Net's module initializer and the schema's own build (about
    /// 0.12 s at a start) then run while the caller reads and converts the YAML and resolves the rules. Harmless to call
    /// again or not at all: the first evaluation builds what is not built yet.
    /// </summary>
    public static void Prepare()
    {
        if (Volatile.Read(ref _preparing) is null)
            Interlocked.CompareExchange(ref _preparing, Task.Run(InventorySchema.Build), null);
    }

    /// <summary>
    /// The tree as an immutable <see cref="JsonElement"/>: the bytes and limits of JsonSerializer.SerializeToElement with
    /// the default options (no indentation, the default encoder, depth 64), written and parsed directly. The serializer
    /// built its reflection metadata first, about 30 ms of every start.
    /// </summary>
    public static JsonElement ToElement(JsonNode? instance)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = InventoryBounds.MaximumDepth }))
        {
            if (instance is null) writer.WriteNullValue();
            else instance.WriteTo(writer);
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = InventoryBounds.MaximumDepth });
        return document.RootElement.Clone();
    }

    public SchemaEvaluation(JsonElement element) => _evaluation = Task.Run(() => _results = InventorySchema.Evaluate(element));

    /// <summary>Waits for the evaluation; its failures as sentences at YAML positions, nothing when valid.</summary>
    public IEnumerable<(int Line, int Column, string Message)> Explain(JsonNode? instance, SourceMap map)
    {
        _evaluation.GetAwaiter().GetResult();
        return InventorySchema.Explain(_results!, instance, map);
    }
}
