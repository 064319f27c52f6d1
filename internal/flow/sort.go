package flow

import "slices"

func sortByStream[S any](es []*Entry[S]) {
	slices.SortFunc(es, func(a, b *Entry[S]) int {
		switch {
		case a.Stream < b.Stream:
			return -1
		case a.Stream > b.Stream:
			return 1
		}
		return 0
	})
}
