// Each test file sees the catalog a mend process has: the built-in packs' runbooks (a config's parse adds its own).
import { builtinPacks, loadPacks } from '../../packs/load';

loadPacks(builtinPacks);
