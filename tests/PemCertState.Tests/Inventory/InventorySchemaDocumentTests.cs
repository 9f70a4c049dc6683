using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Inventory;

/// <summary>
/// schemas/pemstate.schema.json as editors read it (yaml-language-server: completion, hovers, errors while typing): every
/// property described, every default the one pemstate applies, every shipped inventory pointing at it and valid under it.
/// </summary>
public sealed class InventorySchemaDocumentTests
{
    private static string SchemaPath => Path.Combine(InventoryText.RepositoryRoot(), "schemas", "pemstate.schema.json");

    private static JsonNode SchemaDocument() => JsonNode.Parse(File.ReadAllText(SchemaPath))!;

    /// <summary>Every inventory the repository ships: pemstate.yaml.example and each examples/*/pemstate*.yaml.</summary>
    public static TheoryData<string> ExampleInventories()
    {
        var root = InventoryText.RepositoryRoot();
        var data = new TheoryData<string> { "pemstate.yaml.example" };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "examples"), "pemstate*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, file));
        return data;
    }

    [Fact]
    public void Every_property_in_the_schema_has_a_description()
    {
        // Given the schema document
        var document = SchemaDocument();

        // When every declared property is collected (the conditions under "if" only test values, they declare nothing)
        var undescribed = Properties(document, "").Where(p => p.Schema["description"] is not JsonValue).Select(p => p.Pointer).ToList();

        // Then each one says what it is, for the editor's hover and completion
        Assert.True(Properties(document, "").Count() > 60, "the walk found too few properties to be looking at the schema");
        Assert.Empty(undescribed);
    }

    [Fact]
    public void The_schema_id_is_its_raw_address_in_this_repository()
    {
        // Given the schema document
        var id = SchemaDocument()["$id"]!.GetValue<string>();

        // Then it names the file at its path in the repository, on the main branch's raw URL
        Assert.StartsWith("https://raw.githubusercontent.com/", id, StringComparison.Ordinal);
        Assert.EndsWith("/main/schemas/pemstate.schema.json", id, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ExampleInventories))]
    public void Every_example_inventory_names_the_schema_in_its_first_line_and_is_valid_under_it(string relativePath)
    {
        // Given an inventory shipped with the repository and the schema file on disk (not the loader's embedded copy)
        var path = Path.Combine(InventoryText.RepositoryRoot(), relativePath);
        var text = File.ReadAllText(path);
        var schema = JsonSchema.FromFile(SchemaPath, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

        // When its first line is read as yaml-language-server reads it, and the document is evaluated by the schema alone
        var firstLine = text.Split('\n')[0];
        const string Modeline = "# yaml-language-server: $schema=";
        var parsed = YamlToJson.Convert(text);
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(parsed.Root), new EvaluationOptions { OutputFormat = OutputFormat.List });

        // Then the modeline points at schemas/pemstate.schema.json from where the file is, and the schema finds nothing
        Assert.StartsWith(Modeline, firstLine, StringComparison.Ordinal);
        Assert.Equal(SchemaPath, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, firstLine[Modeline.Length..].Trim())));
        Assert.Empty(parsed.Errors);
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")));
    }

    /// <summary>One `default` of the schema and where pemstate's resolved state shows the value it applies.</summary>
    /// <param name="Instance">Where the setting sits in an inventory (parents exist in the base inventory).</param>
    /// <param name="Read">The resolved value; null when the setting shows only in the diagnostics (sslutils_compatible).</param>
    /// <param name="Prepare">Changes to the base inventory first, e.g. a key's algorithm for bits and curve.</param>
    private sealed record DefaultCheck(string Instance, Func<DesiredState, object?>? Read, Action<JsonObject>? Prepare = null, bool Trusted = false);

    private static readonly Dictionary<string, DefaultCheck> _checks = new(StringComparer.Ordinal)
    {
        ["/$defs/host/properties/port"] = new("/hosts/db/port", s => s.Hosts["db"].Port),
        ["/$defs/host/properties/sudo"] = new("/hosts/db/sudo", s => s.Hosts["db"].Sudo),
        ["/$defs/host/properties/command_timeout"] = new("/hosts/db/command_timeout", s => s.Hosts["db"].EffectiveCommandTimeout),
        ["/$defs/key/properties/bits"] = new("/server/key/bits", s => s.Server.Policy.Key, i => i["server"]!["key"] = new JsonObject { ["algorithm"] = "rsa" }),
        ["/$defs/key/properties/curve"] = new("/server/key/curve", s => s.Server.Policy.Key, i => i["server"]!["key"] = new JsonObject { ["algorithm"] = "ecdsa" }),
        ["/$defs/ca/properties/source"] = new("/ca/source", s => s.Ca.Source),
        ["/$defs/ca/properties/key"] = new("/ca/key", s => s.Ca.Policy.Key),
        ["/$defs/ca/properties/validity"] = new("/ca/validity", s => s.Ca.Policy.Validity),
        ["/$defs/ca/properties/renew_before"] = new("/ca/renew_before", s => s.Ca.Policy.RenewBefore),
        ["/$defs/ca/properties/crl_validity"] = new("/ca/crl_validity", s => s.Ca.CrlValidity),
        // Shows only in what the loader accepts: an ECDSA CA key is an error unless sslutils_compatible is false.
        ["/$defs/ca/properties/sslutils_compatible"] = new("/ca/sslutils_compatible", null, i => i["ca"]!["key"] = new JsonObject { ["algorithm"] = "ecdsa" }),
        ["/$defs/ca/properties/requests_dir"] = new("/ca/requests_dir", s => s.Ca.Trusted!.RequestsDir, Trusted: true),
        ["/$defs/ca/properties/signed_dir"] = new("/ca/signed_dir", s => s.Ca.Trusted!.SignedDir, Trusted: true),
        ["/$defs/server/properties/owner"] = new("/server/owner", s => s.Server.Owner),
        ["/$defs/server/properties/key"] = new("/server/key", s => s.Server.Policy.Key),
        ["/$defs/server/properties/validity"] = new("/server/validity", s => s.Server.Policy.Validity),
        ["/$defs/server/properties/renew_before"] = new("/server/renew_before", s => s.Server.Policy.RenewBefore),
        ["/$defs/server/properties/backup_dir"] = new("/server/backup_dir", s => s.Server.BackupDir),
        ["/$defs/server/properties/restart"] = new("/server/restart", s => s.Server.Restart),
        ["/$defs/database/properties/port"] = new("/server/database/port", s => s.Server.Database!.Port),
        ["/$defs/database/properties/name"] = new("/server/database/name", s => s.Server.Database!.Name),
        ["/$defs/database/properties/sslmode"] = new("/server/database/sslmode", s => s.Server.Database!.SslMode),
        ["/$defs/agentDefaults/properties/cert_dir"] = new("/agents/defaults/cert_dir", s => s.Agents.List[0].CertDir),
        ["/$defs/agentDefaults/properties/config"] = new("/agents/defaults/config", s => s.Agents.List[0].Config),
        ["/$defs/agentDefaults/properties/owner"] = new("/agents/defaults/owner", s => s.Agents.List[0].Owner),
        ["/$defs/agentDefaults/properties/restart"] = new("/agents/defaults/restart", s => s.Agents.List[0].Restart),
        ["/$defs/agentDefaults/properties/key"] = new("/agents/defaults/key", s => s.Agents.List[0].Policy.Key),
        ["/$defs/agentDefaults/properties/validity"] = new("/agents/defaults/validity", s => s.Agents.List[0].Policy.Validity),
        ["/$defs/agentDefaults/properties/renew_before"] = new("/agents/defaults/renew_before", s => s.Agents.List[0].Policy.RenewBefore),
        ["/$defs/web/properties/server"] = new("/web/server", s => s.Web!.Server),
        ["/$defs/web/properties/owner"] = new("/web/owner", s => s.Web!.Owner),
        ["/$defs/web/properties/key"] = new("/web/key", s => s.Web!.Policy.Key),
        ["/$defs/web/properties/validity"] = new("/web/validity", s => s.Web!.Policy.Validity),
        ["/$defs/web/properties/renew_before"] = new("/web/renew_before", s => s.Web!.Policy.RenewBefore),
        ["/$defs/web/properties/test"] = new("/web/test", s => s.Web!.Test),
        ["/$defs/web/properties/reload"] = new("/web/reload", s => s.Web!.Reload),
        ["/$defs/agents/properties/user"] = new("/agents/user", s => s.Agents.User),
        ["/$defs/agents/properties/common_user"] = new("/agents/common_user", s => s.Agents.CommonUser),
        ["/$defs/agents/properties/discover"] = new("/agents/discover", s => s.Agents.Source),
        ["/$defs/agents/properties/subject"] = new("/agents/subject", s => s.Agents.SubjectPrefix),
        ["/$defs/agents/properties/revoke_removed"] = new("/agents/revoke_removed", s => s.Agents.RevokeRemoved),
    };

    [Fact]
    public void Every_default_in_the_schema_is_what_pemstate_applies_when_the_setting_is_left_out()
    {
        // Given every `default` in the schema, and a folder for the inventories (a trusted CA's certificate file in it)
        var defaults = Defaults(SchemaDocument(), "").ToDictionary(d => d.Pointer, d => d.Value, StringComparer.Ordinal);
        var folder = Directory.CreateTempSubdirectory("pemstate-schema-defaults-").FullName;
        try
        {
            var caCertificate = Path.Combine(folder, "ca.crt");
            var made = Support.OpenSsl.Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=trusted-root",
                "-days", "30", "-keyout", Path.Combine(folder, "ca.key"), "-out", caCertificate);
            Assert.True(made.ExitCode == 0, made.Output);

            // Then each has a check here (a new default without one fails), and pemstate resolves the inventory with the
            // setting left out exactly as with the setting written as the schema's default: same value, same diagnostics
            Assert.Equal(_checks.Keys.Order(StringComparer.Ordinal), defaults.Keys.Order(StringComparer.Ordinal));
            foreach (var (pointer, value) in defaults)
            {
                var check = _checks[pointer];
                var omitted = Base(check.Trusted, caCertificate);
                check.Prepare?.Invoke(omitted);
                var written = (JsonObject)omitted.DeepClone();
                var (parent, name) = (InventorySchema.NodeAt(written, JsonPointers.Parent(check.Instance)) as JsonObject, JsonPointers.Last(check.Instance));
                Assert.True(parent is not null, $"{pointer}: the base inventory has no {JsonPointers.Parent(check.Instance)}");
                Assert.False(parent.ContainsKey(name), $"{pointer}: the base inventory already sets {check.Instance}");
                parent[name] = value?.DeepClone();

                var left = InventoryLoader.Parse(omitted.ToJsonString(), Path.Combine(folder, "pemstate.yaml"));
                var set = InventoryLoader.Parse(written.ToJsonString(), Path.Combine(folder, "pemstate.yaml"));

                Assert.True(set.Diagnostics.Select(d => d.Message).SequenceEqual(left.Diagnostics.Select(d => d.Message)),
                    $"{pointer} = {value?.ToJsonString() ?? "null"}: left out gives [{string.Join("; ", left.Diagnostics)}], written gives [{string.Join("; ", set.Diagnostics)}]");
                if (check.Read is null)
                {
                    Assert.NotEmpty(left.Diagnostics); // the check is only meaningful where the setting changes what is accepted
                    continue;
                }
                Assert.True(left.IsValid, $"{pointer}: {string.Join("; ", left.Diagnostics)}");
                Assert.True(Equals(check.Read(left.State!), check.Read(set.State!)),
                    $"{pointer}: the schema's default {value?.ToJsonString() ?? "null"} resolves to {check.Read(set.State!)}, but pemstate applies {check.Read(left.State!)}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>An inventory with every section whose settings have defaults, none of those settings written.</summary>
    private static JsonObject Base(bool trusted, string caCertificate) => new()
    {
        ["version"] = 1,
        ["hosts"] = new JsonObject
        {
            ["pem"] = new JsonObject { ["transport"] = "local" },
            ["db"] = new JsonObject { ["transport"] = "ssh", ["address"] = "10.0.0.7", ["user"] = "root" },
        },
        ["ca"] = trusted
            ? new JsonObject { ["source"] = "trusted", ["certificate"] = caCertificate, ["crl"] = "none" }
            : new JsonObject { ["subject"] = "/CN=pem-ca" },
        ["server"] = new JsonObject
        {
            ["host"] = "pem", ["data_dir"] = "data", ["state_dir"] = "state", ["subject"] = "/CN=pem.example.com",
            ["database"] = new JsonObject { ["host"] = "127.0.0.1", ["user"] = "enterprisedb" },
        },
        ["agents"] = new JsonObject
        {
            ["defaults"] = new JsonObject { ["host"] = "pem" },
            ["list"] = new JsonArray(new JsonObject { ["id"] = 1 }),
        },
        ["web"] = new JsonObject
        {
            ["host"] = "pem", ["config"] = "httpd.conf", ["certificate_file"] = "web.crt", ["key_file"] = "web.key", ["subject"] = "/CN=pem.example.com",
        },
    };

    /// <summary>Every property declared under "properties" (not under "if", whose properties only test values), with its pointer.</summary>
    private static IEnumerable<(string Pointer, JsonObject Schema)> Properties(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key == "if") continue;
                    var childAt = $"{at}/{key}";
                    if (key == "properties" && child is JsonObject properties)
                        foreach (var (name, schema) in properties)
                            if (schema is JsonObject s) yield return ($"{childAt}/{name}", s);
                    foreach (var found in Properties(child, childAt)) yield return found;
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var found in Properties(a[i], $"{at}/{i}")) yield return found;
                break;
        }
    }

    /// <summary>Every subschema with a "default", by its pointer.</summary>
    private static IEnumerable<(string Pointer, JsonNode? Value)> Defaults(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject o:
                if (o.TryGetPropertyValue("default", out var value)) yield return (at, value);
                foreach (var (key, child) in o)
                    foreach (var found in Defaults(child, $"{at}/{key}")) yield return found;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var found in Defaults(a[i], $"{at}/{i}")) yield return found;
                break;
        }
    }
}
