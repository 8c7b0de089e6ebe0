// The ISO 8601 week (YYYY-Www) of an instant's UTC date: the report page's default week is the one
// that holds the meter's latest reading. ISO 8601-1 §5.2.4.2: a week belongs to the year of its
// Thursday; week 1 holds 4 January.
const dayMs = 86_400_000;

export function isoWeekOf(at: number): string {
  const day = Math.floor(at / dayMs) * dayMs;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day + (3 - weekday) * dayMs);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * dayMs)) + 1;
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}
