import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, isReference, synthesizedAttributes } from '../rule';

/** The tag of an image reference (`undefined` for none), or `digest` when it is pinned by digest. */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** Images are pinned by a version tag or a digest: `:latest` or no tag can change what runs on any pull. */
export const containerPinnedImage: PolicyRule = {
  id: 'container-pinned-image',
  level: 'error',
  description: 'Images are pinned by a version tag or a digest; `:latest` or no tag changes what runs on any pull.',
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const image = synthesizedAttributes(node).image;
    // A reference (e.g. a docker_image's image_id) is pinned by that resource.
    if (typeof image !== 'string' || isReference(image)) return [];
    const tag = imageTag(image);
    if (tag !== undefined && tag !== '' && tag !== 'latest') return [];
    return [{
      message: `image ${JSON.stringify(image)} is not pinned (${tag === undefined ? 'no tag' : `tag '${tag}'`}): use a version tag such as ${JSON.stringify(`${image.replace(/:[^:/]*$/, '')}:1.2.3`)} or a digest (@sha256:...)`,
    }];
  },
};
