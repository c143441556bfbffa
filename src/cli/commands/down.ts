import { notAvailable } from '../main.js';
import type { Output } from '../output.js';

export async function downCommand(_opts: Record<string, unknown>, _o: Output): Promise<number> {
  return notAvailable('devloop down');
}
