namespace PemCertState.Rendering;

/// <summary>What a step does to its resource, as Terraform's plan shows it: the colour of its line in the text plan.</summary>
public enum ChangeKind { Add, Change, Replace, Remove, Restart, Other }
