/** The generated project of the dry-run benchmarks: 500 images (10 base images, 490 apps FROM them), 2,000 manifests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const IMAGES = 500;
export const BASES = 10;
export const MANIFESTS = 2000;

export function generate(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const lines = ["import { docker_build, k8s_yaml } from 'devloop';", "k8s_yaml('manifests.yaml');"];
  for (let i = 0; i < IMAGES; i++) {
    const ctx = join(dir, 'images', `img${i}`);
    mkdirSync(join(ctx, 'src'), { recursive: true });
    const from = i < BASES ? 'busybox:latest' : `bench-base-${i % BASES}`;
    writeFileSync(join(ctx, 'Dockerfile'), `# image ${i}\nFROM ${from}\nCOPY src /src\n`);
    for (let f = 0; f < 4; f++) writeFileSync(join(ctx, 'src', `file${f}.js`), `console.log(${i}, ${f});\n`.repeat(20));
    const name = i < BASES ? `bench-base-${i}` : `bench-app-${i}`;
    lines.push(`docker_build('${name}', 'images/img${i}');`);
  }
  const docs: string[] = [];
  for (let m = 0; m < MANIFESTS; m++) {
    const img = BASES + (m % (IMAGES - BASES));
    if (m % 2 === 0) {
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${m}\nspec:\n  selector:\n    matchLabels: { app: app-${m} }\n  template:\n    metadata:\n      labels: { app: app-${m} }\n    spec:\n      containers:\n        - name: main\n          image: bench-app-${img}:latest\n          env: [{ name: A, value: b }]\n`,
      );
    } else {
      docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${m}\nspec:\n  selector: { app: app-${m - 1} }\n  ports: [{ port: 80 }]\n`);
    }
  }
  writeFileSync(join(dir, 'manifests.yaml'), docs.join('---\n'));
  writeFileSync(join(dir, 'devloop.ts'), lines.join('\n') + '\n');
  return dir;
}
