// A pack that cannot be loaded: which pack, which file, and why. The worker refuses to start with it.
export class PackError extends Error {
  constructor(
    readonly pack: string,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`pack ${pack}: ${file}: ${reason}`);
    this.name = 'PackError';
  }
}
