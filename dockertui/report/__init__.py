"""Report writers for `dockertui scan`: table, JSON and SARIF."""
