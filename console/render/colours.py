"""The console's colours, as hex: a 16-colour terminal remaps named colours (red came out magenta),
while hex ones are mapped to the nearest of its palette. One set for the CLI and the screens."""

GREEN, YELLOW, RED, BLUE, CYAN, MAGENTA = "#00c000", "#e0c000", "#ff3030", "#3a7bff", "#00d0d0", "#e040e0"
