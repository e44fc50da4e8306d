// `mend/core`: the types of the core pack's generic actions, for any pack's runbooks: kit.activities<CoreActions>().
export type { CoreActions } from '../runbooks/core/actions';
