// The wallet's status as the shell last gave it (`{ exists, open, keyMode, path }`): set when
// the wallet is opened, locked or given another protection; read where a screen depends on it.
let status = null;

export const walletStatus = () => status;

export function noteStatus(next) {
  status = next;
}
