import { InvalidInputError } from '../../../renderers/invalid-input';
import { placeReplicas } from '../../../renderers/placement';

const HOSTS = [{ name: 'a', labels: { zone: '1' } }, { name: 'b', labels: { zone: '2' } }, { name: 'c', labels: { zone: '2' } }];

describe('placeReplicas', () => {
  test('replica i goes to the i-th eligible host, wrapping around', () => {
    const p = placeReplicas(HOSTS, [{ service: 's', replicas: 5 }, { service: 't', replicas: 1 }, { service: 'u', replicas: 0 }]);
    expect(Object.fromEntries(p.hostsByService)).toEqual({ s: ['a', 'b', 'c', 'a', 'b'], t: ['a'], u: [] });
    expect(p.warnings).toEqual(['services.s: 5 replicas on 3 eligible hosts (a, b, c): some replicas share a host, so losing that host takes more than one of them; add hosts, or lower replicas to 3']);
  });

  test('keeps the hosts\' order, whatever the order of the names in the constraint', () => {
    const p = placeReplicas(HOSTS, [{ service: 's', replicas: 2, hosts: ['c', 'a'] }, { service: 't', replicas: 2, labels: { zone: '2' } }]);
    expect(Object.fromEntries(p.hostsByService)).toEqual({ s: ['a', 'c'], t: ['b', 'c'] });
    expect(p.warnings).toEqual([]);
  });

  test('is the same for the same input, and scaling keeps the replicas that were', () => {
    const three = placeReplicas(HOSTS, [{ service: 's', replicas: 3 }]).hostsByService.get('s');
    const four = placeReplicas(HOSTS, [{ service: 's', replicas: 4 }]).hostsByService.get('s');
    expect(four!.slice(0, 3)).toEqual(three);
    expect(placeReplicas(HOSTS, [{ service: 's', replicas: 3 }]).hostsByService.get('s')).toEqual(three);
  });

  test.each<[string, Parameters<typeof placeReplicas>, string]>([
    ['no hosts', [[], []], 'hosts [] is empty: add at least one host (e.g. { name: "local", kind: "local" })'],
    ['a fraction of a replica', [HOSTS, [{ service: 's', replicas: 1.5 }]], 'services.s.replicas 1.5 must be a whole number from 0 to 100'],
    ['an unknown spread', [HOSTS, [{ service: 's', replicas: 1, spread: 'strict' as 'required' }]], 'services.s.placement.spread "strict" must be one of "preferred", "required"'],
    ['an unknown host', [HOSTS, [{ service: 's', replicas: 1, hosts: ['z'] }]], 'services.s.placement.hosts entry "z" is not a host of this application: use one of "a", "b", "c"'],
    ['labels no host has', [HOSTS, [{ service: 's', replicas: 1, labels: { zone: '3' } }]], 'services.s.placement "{\\"labels\\":{\\"zone\\":\\"3\\"}}" is satisfied by no host (a {"zone":"1"}, b {"zone":"2"}, c {"zone":"2"}): name existing hosts, or give a host the labels'],
    ['required spread over too few hosts', [HOSTS, [{ service: 's', replicas: 3, labels: { zone: '2' }, spread: 'required' }]], 'services.s: 3 replicas on 2 eligible hosts (b, c) cannot keep to one replica a host (spread \'required\'): lower replicas to 2, add hosts, or allow sharing with spread \'preferred\''],
  ])('fails on %s', (_what, args, message) => {
    expect(() => placeReplicas(...args)).toThrow(new InvalidInputError(message));
  });
});
