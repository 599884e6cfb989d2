// The Transport suites live next to this file; see the README's test section.
