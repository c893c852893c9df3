//! Reusable pieces of the self-contained HTML pages (status, CAB report):
//! escaping, the page shell with its inline CSS (A4 print), and inline SVG bars.
//! Every string from the repository goes through [`escape`].

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shared stylesheet: readable on screen, A4 when printed.
pub const CSS: &str = r#"
@page { size: A4; margin: 15mm; }
:root { --ok: #1a7f37; --rec: #9a6700; --bad: #cf222e; --unk: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
.meta { color: var(--unk); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .45em; border-radius: 1em; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.kept-automatically { background: var(--ok); }
.kept-by-recovery { background: var(--rec); }
.not-kept { background: var(--bad); }
.unknown, .no-target { background: var(--unk); }
.kpi { display: grid; grid-template-columns: 16rem 1fr 9rem; gap: .25rem 1rem; align-items: center; }
.kpi svg { width: 100%; height: 14px; }
ul.reasons { margin: .25rem 0; padding-left: 1.2rem; }
.service { break-inside: avoid; page-break-inside: avoid; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } a { color: inherit; text-decoration: none; } }
"#;

/// A complete HTML5 page: title (escaped here) and a body already escaped.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A horizontal bar for a share, as inline SVG; `None` draws an empty bar.
pub fn bar(percent: Option<f64>, colour: &str, label: &str) -> String {
    let width = percent.unwrap_or(0.0).clamp(0.0, 100.0);
    format!(
        "<svg viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><rect x=\"0\" y=\"0\" width=\"100\" height=\"10\" fill=\"#eaeef2\"/><rect x=\"0\" y=\"0\" width=\"{width:.1}\" height=\"10\" fill=\"{}\"/></svg>",
        escape(label),
        escape(colour)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn bar_clamps() {
        assert!(bar(Some(250.0), "#000", "x").contains("width=\"100.0\""));
        assert!(bar(None, "#000", "x").contains("width=\"0.0\""));
    }
}
