using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PemCertState.Inventory;

/// <summary>
/// Turns the YAML text into a JsonNode for the schema, recording where each node came from.
/// Plain scalars are typed the YAML 1.2 core way (null, true/false, integers, floats); quoted
/// scalars always stay strings, so <c>port: "22"</c> is a string the schema rejects.
/// </summary>
internal static partial class YamlToJson
{
    public sealed record Result(JsonNode? Root, SourceMap Map, IReadOnlyList<(int Line, int Column, string Message)> Errors);

    public static Result Convert(string yaml)
    {
        var map = new SourceMap();
        var errors = new List<(int, int, string)>();
        // Before the node model: it recurses once per nesting level and its tree is walked with every alias expanded.
        if (YamlShape.Check(yaml) is { } outOfBounds)
        {
            errors.Add(outOfBounds);
            return new Result(null, map, errors);
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // Where the innermost error is: the outer one points at the start of the mapping it was reading (a tab at 4:1 was 1:1).
            var innermost = Innermost(e);
            var (line, column) = innermost.Message.Contains(" tab ", StringComparison.Ordinal) && FirstIndentingTab(yaml) is { } tab
                ? tab // YamlDotNet puts a tab in the indentation at the mapping's start (1:1 for a tab on line 4)
                : ((int)innermost.Start.Line, (int)innermost.Start.Column);
            errors.Add((line, column, "YAML syntax error: " + innermost.Message));
            return new Result(null, map, errors);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3 throws this instead of a YamlException when the text ends inside a flow collection.
            var (line, column) = EndOf(yaml);
            errors.Add((line, column, "YAML syntax error: the file ends early; is a '{', '[' or quote left open?"));
            return new Result(null, map, errors);
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add((1, 1, "the inventory is empty"));
            return new Result(null, map, errors);
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            errors.Add(((int)second.Line, (int)second.Column, "the inventory must be a single YAML document"));
        }

        var root = ToJson(stream.Documents[0].RootNode, "", map, errors, depth: 0);
        return new Result(root, map, errors);
    }

    private static (int Line, int Column) EndOf(string text)
    {
        var lines = text.TrimEnd('\r', '\n').Split('\n');
        return (lines.Length, lines[^1].TrimEnd('\r').Length + 1);
    }

    /// <summary>Line and column (1-based) of the first tab in a line's indentation, or null.</summary>
    private static (int Line, int Column)? FirstIndentingTab(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0) return (i + 1, tab + 1);
        }
        return null;
    }

    private static YamlException Innermost(YamlException e)
    {
        while (e.InnerException is YamlException inner)
            e = inner;
        return e;
    }

    private static JsonNode? ToJson(YamlNode node, string pointer, SourceMap map, List<(int, int, string)> errors, int depth)
    {
        map.AddValue(pointer, (int)node.Start.Line, (int)node.Start.Column);
        if (depth > 64)
        {
            errors.Add(((int)node.Start.Line, (int)node.Start.Column, "the inventory is nested too deeply"));
            return null;
        }
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        errors.Add(((int)keyNode.Start.Line, (int)keyNode.Start.Column, "keys must be plain names, not lists or mappings"));
                        continue;
                    }
                    var child = JsonPointers.Append(pointer, key);
                    map.AddKey(child, (int)keyNode.Start.Line, (int)keyNode.Start.Column);
                    obj[key] = ToJson(valueNode, child, map, errors, depth + 1);
                }
                return obj;
            case YamlSequenceNode sequence:
                map.MarkList(pointer);
                var array = new JsonArray();
                for (var i = 0; i < sequence.Children.Count; i++)
                    array.Add(ToJson(sequence.Children[i], JsonPointers.Append(pointer, i), map, errors, depth + 1));
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                errors.Add(((int)node.Start.Line, (int)node.Start.Column, "unsupported YAML node"));
                return null;
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain and not ScalarStyle.Any)
            return JsonValue.Create(text);
        if (scalar.Tag.IsEmpty is false && scalar.Tag.Value == "tag:yaml.org,2002:str")
            return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return JsonValue.Create(real);
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
