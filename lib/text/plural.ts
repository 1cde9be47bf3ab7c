/** The noun for a count: `noun(1, 'ticket')` is "ticket", `noun(2, 'breach', 'breaches')` "breaches". */
export const noun = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

/** "1 ticket", "2 tickets", "1,204 breaches": a count with its noun in the right number. */
export const counted = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${noun(n, one, many)}`;
