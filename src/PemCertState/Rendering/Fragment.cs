namespace PemCertState.Rendering;

/// <summary>
/// A piece of what a <see cref="StepView"/> says: words of pemstate's own, or text taken from the inventory or a file
/// (a path, a command, a subject) that Markdown sets in a code span and HTML escapes. The text plan prints each as it is,
/// except <see cref="Style.Quoted"/> between single quotes. Renderers choose markup from the style, never the words.
/// </summary>
public readonly record struct Fragment(string Text, Fragment.Style Kind)
{
    public enum Style
    {
        /// <summary>pemstate's own words: plain text, escaped where Markdown would read them as syntax.</summary>
        Words,
        /// <summary>A path, command, name or subject as given: printed as it is, code in Markdown.</summary>
        Value,
        /// <summary>A setting's value, or a name in SQL: between single quotes in the text plan, code in Markdown.</summary>
        Quoted,
        /// <summary>" -> " (becomes) or " &lt;- " (comes from), spaces included: an arrow in Markdown.</summary>
        Arrow,
    }

    public static Fragment Words(string text) => new(text, Style.Words);

    public static Fragment Value(string text) => new(text, Style.Value);

    public static Fragment Quoted(string text) => new(text, Style.Quoted);

    /// <summary>" -> " between what a step changes and what it becomes.</summary>
    public static readonly Fragment Becomes = new(" -> ", Style.Arrow);

    /// <summary>" &lt;- " between what a step writes and where it comes from.</summary>
    public static readonly Fragment ComesFrom = new(" <- ", Style.Arrow);

    /// <summary>The fragments as the text plan prints them: values as they are, quoted ones between single quotes.</summary>
    public static string Plain(IReadOnlyList<Fragment> fragments)
    {
        if (fragments is [{ Kind: not Style.Quoted } only]) return only.Text;
        var text = new System.Text.StringBuilder();
        foreach (var f in fragments)
        {
            if (f.Kind == Style.Quoted) text.Append('\'').Append(f.Text).Append('\'');
            else text.Append(f.Text);
        }
        return text.ToString();
    }
}
