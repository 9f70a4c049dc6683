using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PemCertState.Tests.Architecture;

/// <summary>
/// Which layer (the folder and namespace under PemCertState: Planning, Hosts, ...) uses which, read from the compiled
/// library itself: every type a layer's code names in a signature, a base type, an attribute, a local or an instruction
/// (so a fully-qualified reference counts as much as a using). Compiler-made types (lambdas, async state machines) count
/// for the type they are nested in.
/// </summary>
internal static class LayerGraph
{
    /// <summary>Each edge A -> B with the pairs of types that make it (a sample, for the failure message).</summary>
    public static IReadOnlyDictionary<(string From, string To), SortedSet<string>> Of(string assemblyPath, string rootNamespace)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var edges = new Dictionary<(string, string), SortedSet<string>>();
        foreach (var type in module.GetTypes())
        {
            if (LayerOf(type, rootNamespace) is not { } from) continue;
            foreach (var used in Uses(type))
            {
                if (used.Scope != module && used.Module != module) continue;
                if (Resolve(used) is not { } definition || LayerOf(definition, rootNamespace) is not { } to || to == from) continue;
                if (!edges.TryGetValue((from, to), out var pairs)) edges[(from, to)] = pairs = new SortedSet<string>(StringComparer.Ordinal);
                pairs.Add($"{Outermost(type).Name} -> {Outermost(definition).Name}");
            }
        }
        return edges;
    }

    private static TypeDefinition? Resolve(TypeReference reference)
    {
        while (reference is TypeSpecification specification) reference = specification.ElementType;
        if (reference is GenericParameter) return null;
        try { return reference.Resolve(); }
        catch (AssemblyResolutionException) { return null; }
    }

    /// <summary>The top-level type a nested one (a lambda's closure, a state machine) sits in.</summary>
    internal static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private static string? LayerOf(TypeDefinition type, string rootNamespace)
    {
        var ns = Outermost(type).Namespace;
        if (!ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal)) return null;
        var rest = ns[(rootNamespace.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static IEnumerable<TypeReference> Uses(TypeDefinition type)
    {
        if (type.BaseType is not null) foreach (var t in Expand(type.BaseType)) yield return t;
        foreach (var i in type.Interfaces) foreach (var t in Expand(i.InterfaceType)) yield return t;
        foreach (var t in Attributes(type.CustomAttributes)) yield return t;
        foreach (var field in type.Fields)
        {
            foreach (var t in Expand(field.FieldType)) yield return t;
            foreach (var t in Attributes(field.CustomAttributes)) yield return t;
        }
        foreach (var property in type.Properties)
        {
            foreach (var t in Expand(property.PropertyType)) yield return t;
            foreach (var t in Attributes(property.CustomAttributes)) yield return t;
        }
        foreach (var method in type.Methods)
        {
            foreach (var t in Expand(method.ReturnType)) yield return t;
            foreach (var t in Attributes(method.CustomAttributes)) yield return t;
            foreach (var parameter in method.Parameters)
            {
                foreach (var t in Expand(parameter.ParameterType)) yield return t;
                foreach (var t in Attributes(parameter.CustomAttributes)) yield return t;
            }
            if (!method.HasBody) continue;
            foreach (var local in method.Body.Variables) foreach (var t in Expand(local.VariableType)) yield return t;
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        foreach (var x in Expand(t)) yield return x;
                        break;
                    case MethodReference m:
                        foreach (var x in Expand(m.DeclaringType)) yield return x;
                        foreach (var x in Expand(m.ReturnType)) yield return x;
                        foreach (var p in m.Parameters) foreach (var x in Expand(p.ParameterType)) yield return x;
                        if (m is GenericInstanceMethod g) foreach (var a in g.GenericArguments) foreach (var x in Expand(a)) yield return x;
                        break;
                    case FieldReference f:
                        foreach (var x in Expand(f.DeclaringType)) yield return x;
                        foreach (var x in Expand(f.FieldType)) yield return x;
                        break;
                }
            }
        }
    }

    private static IEnumerable<TypeReference> Attributes(IEnumerable<CustomAttribute> attributes) =>
        attributes.SelectMany(a => Expand(a.AttributeType));

    /// <summary>A type with every type inside it: generic arguments, array and pointer elements.</summary>
    internal static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType generic:
                foreach (var t in Expand(generic.ElementType)) yield return t;
                foreach (var argument in generic.GenericArguments) foreach (var t in Expand(argument)) yield return t;
                break;
            case TypeSpecification specification:
                foreach (var t in Expand(specification.ElementType)) yield return t;
                break;
            case GenericParameter:
                break;
            default:
                yield return type;
                break;
        }
    }
}
