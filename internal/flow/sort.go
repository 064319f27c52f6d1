package flow

import "slices"

func sortByStream[K comparable, S any](es []*Entry[K, S]) {
	slices.SortFunc(es, func(a, b *Entry[K, S]) int {
		switch {
		case a.Stream < b.Stream:
			return -1
		case a.Stream > b.Stream:
			return 1
		}
		return 0
	})
}
