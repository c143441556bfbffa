import { notAvailable } from '../main.js';
import type { Output } from '../output.js';

export async function triggerCommand(_opts: Record<string, unknown>, _o: Output): Promise<number> {
  return notAvailable('devloop trigger');
}
export async function getCommand(_opts: Record<string, unknown>, _o: Output): Promise<number> {
  return notAvailable('devloop get');
}
