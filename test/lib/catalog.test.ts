import { INSTANCES, instanceFact, servingImage, SERVING_CONTAINERS } from '../../lib/catalog';

describe('instance catalog', () => {
  test('has every accelerated family the kit sizes for, each row with a price source and a date', () => {
    const families = new Set(INSTANCES.map((i) => i.instanceType.split('.').slice(0, 2).join('.')));
    expect([...families]).toEqual(['ml.g4dn', 'ml.g5', 'ml.g6', 'ml.g6e', 'ml.p4d', 'ml.p4de', 'ml.p5', 'ml.inf2']);
    for (const instance of INSTANCES) {
      expect(instance.price.usdPerHour).toBeGreaterThan(0);
      expect(instance.price.source.length).toBeGreaterThan(10);
      expect(instance.price.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(instance.accelerator.memoryGiB).toBeCloseTo((instance.accelerator.count * instance.accelerator.memoryMiBEach) / 1024, 6);
    }
  });

  test('carries the published us-east-1 hosting prices', () => {
    const published: Record<string, number> = {
      'ml.g5.2xlarge': 1.515,
      'ml.g5.12xlarge': 7.09,
      'ml.g5.48xlarge': 20.36,
      'ml.g6.12xlarge': 5.752,
      'ml.g6.48xlarge': 16.688,
      'ml.p4d.24xlarge': 37.688,
      'ml.p5.48xlarge': 113.068,
    };
    for (const [type, usd] of Object.entries(published)) expect(instanceFact(type).price.usdPerHour).toBe(usd);
  });

  test('marks Inferentia as Neuron-only and without local NVMe', () => {
    for (const instance of INSTANCES.filter((i) => i.instanceType.startsWith('ml.inf2'))) {
      expect(instance.accelerator.kind).toBe('neuron');
      expect(instance.localNvme).toBe(false);
    }
  });

  test('rejects an unknown instance type, naming the known ones', () => {
    expect(() => instanceFact('ml.m5.xlarge')).toThrow(/instance type "ml\.m5\.xlarge" is not in the catalog; known: ml\.g4dn\.xlarge, /);
  });
});

describe('serving images', () => {
  test('builds the pinned LMI image URI of a region from its registry account', () => {
    expect(servingImage('lmi', 'us-east-1').uri).toBe(`763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:${SERVING_CONTAINERS.lmi.tag}`);
    expect(servingImage('tgi', 'me-south-1').uri).toMatch(/^217643126080\.dkr\.ecr\.me-south-1\.amazonaws\.com\/huggingface-pytorch-tgi-inference:/);
  });

  test('rejects a region without a catalogued image, naming the known regions', () => {
    expect(() => servingImage('lmi', 'mx-central-1')).toThrow(/region "mx-central-1" has no djl-inference image in the catalog; known regions: af-south-1, ap-east-1,/);
  });
});
