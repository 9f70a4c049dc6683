using System.Text.Json.Nodes;

namespace PemCertState.Rendering;

/// <summary>
/// A plan file as read back: what it was made from, and its steps as the JSON they were saved as. The steps are a
/// promise to compare a fresh plan with, never something to execute: nothing in them becomes a command or a path.
/// </summary>
public sealed record SavedPlan(SavedPlanContext Context, IReadOnlyList<JsonObject> Steps);
