/**
 * Each node announces its state at least this often; the one heartbeat
 * default of the mesh. Every node receives every other's beat, so this sets
 * most of an idle node's CPU: 1000 ms cost a 10-node mesh 25-35 % more CPU
 * per node than 2000 ms (bench/results/optimizations.md row 11).
 */
export const DEFAULT_HEARTBEAT_MS = 2000
