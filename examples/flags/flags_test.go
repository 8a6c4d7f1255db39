package flags

import (
	"sync"
	"testing"
)

func TestRolloutUnderTraffic(t *testing.T) {
	f := New(map[string]bool{
		"dark-mode":    true,
		"new-checkout": false,
		"new-payments": false,
		"search-v2":    false,
	})
	rollout := map[string]bool{
		"dark-mode":    true,
		"new-checkout": true,
		"new-payments": true,
		"search-v2":    true,
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.Reload(rollout)
	}()
	wg.Add(1)
	go func() { // a request arriving during the rollout
		defer wg.Done()
		if _, err := Checkout(f); err != nil {
			t.Errorf("checkout during rollout: %v", err)
		}
	}()
	wg.Wait()

	if flow, err := Checkout(f); flow != "v2" || err != nil {
		t.Errorf("checkout after rollout = %q, %v; want \"v2\", nil", flow, err)
	}
}
