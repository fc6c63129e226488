package queue

import "testing"

// TestDefaultConfig: the zero Config stands for DefaultConfig (and a node
// name of its own).
func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	got := Config{}.withDefaults()
	if got.Node == "" || got.Logger == nil {
		t.Errorf("zero Config: Node %q, Logger %v; want a node name and a logger", got.Node, got.Logger)
	}
	got.Node, got.Logger = "", nil
	if want := DefaultConfig(); got != want {
		t.Errorf("zero Config with defaults = %+v, want DefaultConfig() = %+v", got, want)
	}
}
