package main

import "strings"

// suggest returns the candidate a mistyped word most likely meant, or ""
// if none is close: the nearest by edit distance, if at most 2 edits and
// fewer than the word's length away, or else the first that the word
// begins (for two letters or more).
func suggest(word string, candidates []string) string {
	best, bestDist := "", len(word)
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist <= 2 {
		return best
	}
	if len(word) >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(c, word) {
				return c
			}
		}
	}
	return ""
}

// editDistance returns the Levenshtein distance between a and b: the
// fewest insertions, deletions and substitutions of a byte that turn a
// into b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
