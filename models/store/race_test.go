package store_test

import "sync"

// atOnce calls do n times at the same instant, each in a goroutine of its
// own, and gives back each call's error, in the order of i, once all have
// returned.
func atOnce(n int, do func(i int) error) []error {
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = do(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
