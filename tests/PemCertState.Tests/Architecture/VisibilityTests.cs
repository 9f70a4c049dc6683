using Mono.Cecil;
using Xunit;

namespace PemCertState.Tests.Architecture;

/// <summary>
/// Issue 19: the library is public only where another project needs it. Its one consumer is the command line: a public
/// type the CLI never needs (names, or meets in the public surface of one it names) is internal; the test projects and the
/// benchmarks see internals through InternalsVisibleTo.
/// </summary>
[Trait("Category", "Unit")]
public sealed class VisibilityTests
{
    [Fact]
    public void Every_public_type_of_the_library_is_one_the_command_line_uses()
    {
        // Given the library and the command line, as compiled
        var library = typeof(PemCertState.Planning.Planner).Assembly.Location;
        var cli = Path.Combine(Path.GetDirectoryName(library)!, "pemstate.dll");
        using var libraryModule = ModuleDefinition.ReadModule(library);
        using var cliModule = ModuleDefinition.ReadModule(cli);

        // When the types the CLI names, and every type the public surface of those shows in turn, are set beside the
        // library's public ones
        var byName = libraryModule.Types.ToDictionary(t => t.FullName, StringComparer.Ordinal);
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(cliModule.GetTypeReferences().Where(t => t.Scope.Name == libraryModule.Assembly.Name.Name).Select(t => LayerGraph.Outermost(t).FullName));
        while (queue.TryDequeue(out var name))
        {
            if (!needed.Add(name) || !byName.TryGetValue(name, out var type)) continue;
            foreach (var shown in Surface(type)) queue.Enqueue(shown);
        }
        var exposed = libraryModule.Types.Where(t => t.IsPublic).Select(t => t.FullName).ToList();

        // Then nothing is public that the CLI does not need
        var needless = exposed.Where(t => !needed.Contains(t)).Order(StringComparer.Ordinal).ToList();
        Assert.True(needless.Count == 0, $"{needless.Count} public types the command line does not need: make them internal\n  " + string.Join("\n  ", needless));
    }

    /// <summary>The library's types that a type shows to another assembly: its base, interfaces, and visible members' signatures.</summary>
    private static IEnumerable<string> Surface(TypeDefinition type)
    {
        var shown = new List<TypeReference>();
        if (type.BaseType is not null) shown.Add(type.BaseType);
        shown.AddRange(type.Interfaces.Select(i => i.InterfaceType));
        foreach (var nested in type.NestedTypes.Where(n => n.IsNestedPublic || n.IsNestedFamily)) shown.Add(nested);
        shown.AddRange(type.Fields.Where(f => f.IsPublic || f.IsFamily).Select(f => f.FieldType));
        foreach (var method in type.Methods.Where(m => m.IsPublic || m.IsFamily))
        {
            shown.Add(method.ReturnType);
            shown.AddRange(method.Parameters.Select(p => p.ParameterType));
        }
        foreach (var reference in shown)
            foreach (var inner in LayerGraph.Expand(reference))
                yield return LayerGraph.Outermost(inner).FullName;
    }
}
