// Tests wait on conditions, never on the clock alone.
export { waitFor } from '../../common/wait-for';
