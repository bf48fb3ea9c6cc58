package cluster

import "hash/fnv"

// Assign returns the replica that should own key among replicas: the one
// with the highest hash of (replica, key) (rendezvous hashing). When a
// replica joins or leaves, only the keys it wins or held move; "" when
// replicas is empty.
func Assign(key string, replicas []string) string {
	best, bestScore := "", uint64(0)
	for _, r := range replicas {
		h := fnv.New64a()
		_, _ = h.Write([]byte(r))
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(key))
		s := mix(h.Sum64())
		if best == "" || s > bestScore || (s == bestScore && r < best) {
			best, bestScore = r, s
		}
	}
	return best
}

// mix finalises an FNV hash (splitmix64's finaliser) so that replica ids
// differing in one character spread their keys evenly.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
