using UnityEngine;
using UnityEngine.Events;

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// Hit points for anything that can be damaged: the player, enemies, breakable pots.
    /// Raises UnityEvents for health bars, hit flashes, sounds and death, grants a short
    /// invulnerability window after each hit, and can destroy its GameObject on death.
    /// </summary>
    /// <remarks>
    /// Wire reactions in the Inspector, or from code with
    /// <c>health.Died.AddListener(...)</c>. Damage is ignored while dead or invulnerable;
    /// <see cref="Revive"/> restores full health.
    /// </remarks>
    [DisallowMultipleComponent]
    public sealed class Health : MonoBehaviour
    {
        [Tooltip("Hit points at full health.")]
        [SerializeField, Min(1)] private int maxHealth = 5;
        [Tooltip("Seconds of invulnerability after taking damage (0 = none).")]
        [SerializeField, Min(0f)] private float invulnerabilityDuration = 0.5f;
        [Tooltip("Destroy this GameObject when health reaches zero.")]
        [SerializeField] private bool destroyOnDeath;
        [Tooltip("Seconds to wait before destroying, e.g. to let a death animation play.")]
        [SerializeField, Min(0f)] private float destroyDelay;

        [Header("Events")]
        [Tooltip("(current, max) after any change: damage, healing, revive.")]
        [SerializeField] private UnityEvent<int, int> healthChanged = new UnityEvent<int, int>();
        [Tooltip("Damage actually taken, after clamping.")]
        [SerializeField] private UnityEvent<int> damaged = new UnityEvent<int>();
        [Tooltip("Health actually restored, after clamping.")]
        [SerializeField] private UnityEvent<int> healed = new UnityEvent<int>();
        [Tooltip("Raised once when health reaches zero.")]
        [SerializeField] private UnityEvent died = new UnityEvent();

        private int current;
        private float invulnerableUntil;

        /// <summary>Current hit points, 0 to <see cref="Max"/>.</summary>
        public int Current => current;

        /// <summary>Hit points at full health.</summary>
        public int Max => maxHealth;

        /// <summary>Current health as a fraction of the maximum, for health bars.</summary>
        public float Normalized => (float)current / maxHealth;

        /// <summary>Whether health has reached zero.</summary>
        public bool IsDead => current <= 0;

        /// <summary>Whether damage is currently being ignored.</summary>
        public bool IsInvulnerable => Time.time < invulnerableUntil;

        /// <summary>Raised with (current, max) after every change.</summary>
        public UnityEvent<int, int> HealthChanged => healthChanged;

        /// <summary>Raised with the damage taken.</summary>
        public UnityEvent<int> Damaged => damaged;

        /// <summary>Raised with the amount healed.</summary>
        public UnityEvent<int> Healed => healed;

        /// <summary>Raised once on death.</summary>
        public UnityEvent Died => died;

        private void Awake()
        {
            current = maxHealth;
        }

        private void Start()
        {
            // Lets health bars that listen from the Inspector show the starting value.
            healthChanged.Invoke(current, maxHealth);
        }

        /// <summary>
        /// Removes <paramref name="amount"/> hit points unless dead or invulnerable, then starts
        /// the invulnerability window.
        /// </summary>
        /// <returns>True when the damage was applied.</returns>
        public bool TakeDamage(int amount)
        {
            if (amount <= 0 || IsDead || IsInvulnerable)
            {
                return false;
            }

            int applied = Mathf.Min(amount, current);
            current -= applied;
            invulnerableUntil = Time.time + invulnerabilityDuration;

            damaged.Invoke(applied);
            healthChanged.Invoke(current, maxHealth);
            if (current == 0)
            {
                Die();
            }

            return true;
        }

        /// <summary>Restores up to <paramref name="amount"/> hit points; does nothing when dead.</summary>
        /// <returns>The health actually restored.</returns>
        public int Heal(int amount)
        {
            if (amount <= 0 || IsDead)
            {
                return 0;
            }

            int applied = Mathf.Min(amount, maxHealth - current);
            if (applied == 0)
            {
                return 0;
            }

            current += applied;
            healed.Invoke(applied);
            healthChanged.Invoke(current, maxHealth);
            return applied;
        }

        /// <summary>Kills immediately, ignoring invulnerability (pits, instant-death traps).</summary>
        public void Kill()
        {
            if (IsDead)
            {
                return;
            }

            int applied = current;
            current = 0;
            damaged.Invoke(applied);
            healthChanged.Invoke(current, maxHealth);
            Die();
        }

        /// <summary>Restores full health and clears invulnerability (respawn, checkpoint).</summary>
        public void Revive()
        {
            current = maxHealth;
            invulnerableUntil = 0f;
            healthChanged.Invoke(current, maxHealth);
        }

        /// <summary>Ignores damage for the next <paramref name="seconds"/> seconds (dodge rolls, pickups).</summary>
        public void MakeInvulnerable(float seconds)
        {
            invulnerableUntil = Mathf.Max(invulnerableUntil, Time.time + seconds);
        }

        private void Die()
        {
            died.Invoke();
            if (destroyOnDeath)
            {
                Destroy(gameObject, destroyDelay);
            }
        }
    }
}
