/**
 * trieStats counts the nodes that PrefixTrie visits while descending from a root, so that tests can check the
 * claim that a lookup visits at most bitLength + 1 nodes. Tests reset it to zero before the call they measure.
 * It is internal: never exported from `index.ts`.
 */
export const trieStats = { visits: 0 };
