/* Calibration, not part of springtail: workload W1 (SPEC §10) as one fused pass per step in plain C,
 * f32, the same loop order as the cpu backend (update with the previous step's presynaptic activity,
 * then gather with the new weight). Build and run:
 *   gcc -O3 -march=native -o /tmp/w1 bench/c/w1_fused.c -lm && /tmp/w1            # sorted rows
 *   gcc -O3 -fno-tree-vectorize -o /tmp/w1s bench/c/w1_fused.c -lm && /tmp/w1s     # scalar
 *   /tmp/w1 unsorted                                                              # random order */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmpu(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const int N = 100000, K = 100, T = 20;
  uint32_t *pre = malloc(4L * N * K);
  float *w = malloc(4L * N * K), *a0 = malloc(4 * N), *a1 = malloc(4 * N), *a2 = malloc(4 * N);
  srand(1);
  for (long i = 0; i < (long)N * K; i++) {
    pre[i] = rand() % N;
    w[i] = (rand() / (float)RAND_MAX) * 0.03f;
  }
  if (!(argc > 1 && strcmp(argv[1], "unsorted") == 0))
    for (long i = 0; i < N; i++) qsort(pre + i * K, K, 4, cmpu);
  for (int i = 0; i < N; i++) a0[i] = a1[i] = rand() / (float)RAND_MAX;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < N; i++) {
      float post = a1[i], s = 0;
      long b = (long)i * K;
      for (int k = 0; k < K; k++) {
        uint32_t p = pre[b + k];
        float ww = w[b + k] + 1e-3f * a0[p] * post - 1e-4f * w[b + k];
        ww = ww < 0 ? 0 : (ww > 1 ? 1 : ww);
        w[b + k] = ww;
        s += ww * a1[p];
      }
      a2[i] = 1 / (1 + expf(-4 * (s - 0.5f)));
    }
    float *tmp = a0; a0 = a1; a1 = a2; a2 = tmp;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  printf("C fused f32 W1: %.3g synapse-steps/s\n", (double)N * K * T / dt);
  return 0;
}
