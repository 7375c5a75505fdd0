// Seed 000's pseudo-code, copied from the design document without change
// (only `export` added and the GameState/log names it assumes declared below).
// run.mjs transpiles this file with TypeScript and runs it as written.

// Step 1: Calculate current step based on elapsed time
export function getCurrentStep(startAt: number, tickMs: number): number {
  const now = Date.now();
  const elapsed = now - startAt;
  return Math.floor(elapsed / tickMs);
}

// Step 2: Deterministic RNG using Linear Congruential Generator
export function deterministicRNG(seed: number, step: number): number {
  const a = 1664525;      // multiplier
  const c = 1013904223;   // increment
  const m = Math.pow(2, 32); // modulus
  
  const combined = (seed ^ step) >>> 0; // Combine seed and step
  return Math.abs((a * combined + c) % m);
}

// Step 3: Determine if counter should break (reset)
export function shouldBreak(seed: number, step: number, breakProbability: number = 50): boolean {
  const rngValue = deterministicRNG(seed, step);
  return rngValue % breakProbability === 0;
}

// Step 4: Game tick logic (runs every tickMs milliseconds)
export function handleTick(gameState: GameState) {
  const step = getCurrentStep(gameState.startAt, gameState.tickMs);
  
  if (shouldBreak(gameState.seed, step, 50)) {
    // Reset counter (1 in 50 chance, deterministically)
    gameState.counter = 0;
    log(`[BREAK] Step ${step}, Counter reset`);
  } else {
    // Increment counter
    gameState.counter++;
  }
}

// What the document's snippet assumes exists.
export interface GameState {
  seed: number;
  startAt: number;
  tickMs: number;
  counter: number;
}
export const breakLog: string[] = [];
function log(line: string) {
  breakLog.push(line);
}
