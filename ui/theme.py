"""The Gradio theme: the default one with the colours that failed WCAG AA replaced.

Measured on the rendered page (tests/ui/test_browser_a11y.py audits every visible element with
text): Gradio's orange primary buttons carried white text at 2.8:1 (light) and 3.56:1 (dark),
the selected tab label was orange-500 on white (2.8:1), subdued text ("- or -", info lines,
placeholders) neutral-400 on white (1.91:1), and the red "stop" button 3.76:1. The
replacements keep the hues one or two steps darker (orange-700, red-700, neutral-600).

Fonts: the default theme declares Source Sans Pro and IBM Plex Mono at weights 400 and 600, but
the SemiBold files Gradio ships are subsets of 55 and 75 glyphs (little more than "A" and "B"),
so every bold or semibold word was drawn in DejaVu Sans Bold with a Source Sans "A" in it. The
Regular and Bold files are complete: declaring 400 and 700 makes 600 and 700 text use the Bold
face (CSS picks the nearest heavier weight) of the same family.
"""

from __future__ import annotations

ORANGE_700, ORANGE_800 = "#c2410c", "#9a3412"  # white on these: 5.18 and 7.31
RED_700, RED_800 = "#b91c1c", "#991b1b"  # white on these: 6.47 and 8.31


# the same in the light and the dark scheme
BOTH = {
    "button_primary_background_fill": ORANGE_700,
    "button_primary_background_fill_hover": ORANGE_800,
    "button_primary_text_color": "white",
    "button_cancel_background_fill": RED_700,
    "button_cancel_background_fill_hover": RED_800,
    "button_cancel_text_color": "white",
}
LIGHT_ONLY = {
    # the selected tab's label (on white: 5.18); there is no color_accent_dark: ui/assets.py
    # sets the dark scheme's selected tab
    "color_accent": ORANGE_700,
    "body_text_color_subdued": "*neutral_600",  # "- or -", info text (on white: 7.7)
    "body_text_color_subdued_dark": "*neutral_400",
    "input_placeholder_color": "*neutral_500",  # on white: 4.83
    "input_placeholder_color_dark": "*neutral_400",
}


# (family, weights whose files are complete in gradio/templates/frontend/static/fonts), fallbacks
SANS = (("Source Sans Pro", (400, 700)), ("ui-sans-serif", "system-ui", "sans-serif"))
MONO = (("IBM Plex Mono", (400, 700)), ("ui-monospace", "Consolas", "monospace"))


def theme():
    import gradio as gr
    from gradio.themes.utils.fonts import LocalFont

    def stack(spec):
        (name, weights), fallbacks = spec
        return (LocalFont(name, weights=weights), *fallbacks)

    return gr.themes.Default(font=stack(SANS), font_mono=stack(MONO)).set(**BOTH, **{k + "_dark": v for k, v in BOTH.items()}, **LIGHT_ONLY)
